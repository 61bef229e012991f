using System.Security.Cryptography.X509Certificates;

namespace ToolGrains.Hosting;

public static class TlsCertificates
{
    /// <summary>Loads a PKCS#12 file with its private key, as TLS on silos and clients needs.</summary>
    public static X509Certificate2 Load(string path, string? password) =>
        X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.EphemeralKeySet);
}
