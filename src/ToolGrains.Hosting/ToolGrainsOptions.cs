using System.Net;
using ToolGrains.Grains.Running;
using ToolGrains.Grains.Security;
using ToolGrains.Qdrant;

namespace ToolGrains.Hosting;

/// <summary>The <c>ToolGrains</c> configuration section (docs/architecture.md).</summary>
public sealed class ToolGrainsOptions
{
    public const string SectionName = "ToolGrains";

    /// <summary><c>embedded</c> (SQLite file, localhost clustering) or <c>postgres</c> (ADO.NET). Default: embedded.</summary>
    public string Storage { get; set; } = "embedded";

    /// <summary>Folder of the embedded profile's SQLite file. Default: <c>./data</c>.</summary>
    public string DataDir { get; set; } = "data";

    /// <summary>Npgsql connection string; required by the postgres profile. Default: none.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Orleans cluster id; silos with the same id form one cluster. Default: <c>toolgrains</c>.</summary>
    public string ClusterId { get; set; } = "toolgrains";

    /// <summary>Orleans service id; keys grain state and reminders across deployments. Default: <c>toolgrains</c>.</summary>
    public string ServiceId { get; set; } = "toolgrains";

    /// <summary>Silo-to-silo port. Default: 11111.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Client gateway port. Default: 30000.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>HTTP port for health, metrics and the dashboard; 0 turns HTTP off. Default: 8080.</summary>
    public int HttpPort { get; set; } = 8080;

    /// <summary>IP address other silos and clients reach this silo at (the pod IP in Kubernetes). Default: loopback for embedded, the first non-loopback IPv4 address otherwise.</summary>
    public string? AdvertisedIp { get; set; }

    /// <summary>Name of this silo in the dashboard and membership table (the pod name in Kubernetes). Default: Orleans picks one.</summary>
    public string? SiloName { get; set; }

    /// <summary>
    /// A PKCS#12 (.pfx) certificate file; when set, silo-to-silo and client-to-gateway connections use TLS
    /// with it. Default: unset (plain TCP, for a private network).
    /// </summary>
    public string? TlsCertificatePath { get; set; }

    /// <summary>Password of <see cref="TlsCertificatePath"/>. Default: none.</summary>
    public string? TlsCertificatePassword { get; set; }

    /// <summary>
    /// Accept any peer certificate (self-signed ones included) instead of validating it against the
    /// machine's trust store. Default: false. For development and tests only.
    /// </summary>
    public bool TlsAllowAnyRemoteCertificate { get; set; }

    /// <summary>Folders, besides <c>ToolsDir</c>, that executable tools may run from. Default: none.</summary>
    public List<string> AllowedToolDirs { get; set; } = [];

    /// <summary>Executable tool processes a silo runs at once; more calls wait for a slot (the wait counts
    /// against a resilient call's deadline, never against the tool's timeout). Default: 4 per core, at least 8.</summary>
    public int MaxToolProcesses { get; set; } = Math.Max(8, 4 * Environment.ProcessorCount);

    /// <summary>Folder whose <c>*.yaml</c> tools are registered at start. Default: <c>./tools</c>.</summary>
    public string ToolsDir { get; set; } = "tools";

    /// <summary>OTLP endpoint for metrics (e.g. http://127.0.0.1:4317); unset exports none. Default: unset.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>The sentence embedder: <c>minilm</c> (the local all-MiniLM-L6-v2 model, 384 dimensions) or
    /// <c>hashing</c> (fast, deterministic, knows no synonyms; for tests and small hosts). Default: minilm.</summary>
    public string Embeddings { get; set; } = EmbeddingKinds.MiniLm;

    /// <summary>Qdrant, the optional shared failure memory; unset <c>Url</c> writes nothing to Qdrant. Default: unset.</summary>
    public QdrantFailureOptions Qdrant { get; set; } = new();

    /// <summary>
    /// An admin key (as an <see cref="ApiKeys"/> entry with role admin): every HTTP request but <c>/health/*</c> and
    /// <c>/metrics</c> and every gateway call must then carry a key: header <c>X-Api-Key</c>, <c>Authorization:
    /// Bearer KEY</c>, <c>?api_key=KEY</c> for a browser, or the client's key. At least 16 characters. Default: unset.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>Shortest <see cref="ApiKey"/> accepted.</summary>
    public const int MinApiKeyLength = 16;

    /// <summary>
    /// API keys with their roles (<c>ApiKeys:N:Key</c>, <c>ApiKeys:N:Role</c>: <c>reader</c>, <c>caller</c> or
    /// <c>admin</c>). With any key (here or <see cref="ApiKey"/>, which is an admin key), every call through the
    /// gateway and every HTTP request but health and metrics needs one. Default: none.
    /// </summary>
    public List<ApiKeyEntry> ApiKeys { get; set; } = [];

    /// <summary>
    /// Let a silo whose ports are reachable beyond loopback start without keys; every caller then acts as admin.
    /// For a private network you trust. Default: false.
    /// </summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>
    /// The address the silo, gateway and HTTP ports listen on. Default: 127.0.0.1 on the embedded profile (and
    /// whenever <see cref="AdvertisedIp"/> is a loopback address), otherwise 0.0.0.0 (every interface).
    /// </summary>
    public string? ListenAddress { get; set; }

    /// <summary>Folders whose files <c>extract_spec_from_file</c> may read on the cluster (by <c>file_path</c>).
    /// Default: none; callers send the text instead, as the CLI does.</summary>
    public List<string> SpecDirs { get; set; } = [];

    /// <summary>Where <c>jsonl_file_writer</c> paths resolve; a path that leaves it is refused. Default: <c>DataDir/sinks</c>.</summary>
    public string? SinkDir { get; set; }

    /// <summary>Limits on HTTP tools (<c>HttpTools:AllowedHosts</c>). Default: any host but link-local and metadata addresses.</summary>
    public HttpToolOptions HttpTools { get; set; } = new();

    /// <summary>With TLS on, require clients to present a certificate the silo accepts (mutual TLS). Default: false.</summary>
    public bool TlsRequireClientCertificate { get; set; }

    /// <summary>The effective <see cref="ListenAddress"/>.</summary>
    public IPAddress EffectiveListenAddress =>
        ListenAddress is { Length: > 0 } listen && IPAddress.TryParse(listen, out var address) ? address
        : AdvertisedIp is { Length: > 0 } advertised && IPAddress.TryParse(advertised, out var ip) ? (IPAddress.IsLoopback(ip) ? IPAddress.Loopback : IPAddress.Any)
        : IsPostgres ? IPAddress.Any : IPAddress.Loopback;

    /// <summary>Every configured key with its role, <see cref="ApiKey"/> as admin.</summary>
    public IEnumerable<(string Key, ToolGrainsRole Role)> AllApiKeys() =>
        ApiKeys.Where(k => ApiKeyRing.ParseRole(k.Role) is not null && k.Key.Length > 0).Select(k => (k.Key, ApiKeyRing.ParseRole(k.Role)!.Value))
            .Concat(ApiKey is { Length: > 0 } admin ? [(admin, ToolGrainsRole.Admin)] : []);

    /// <summary>The effective <see cref="SinkDir"/>.</summary>
    public string EffectiveSinkDir => Path.GetFullPath(SinkDir is { Length: > 0 } sink ? sink : Path.Combine(DataDir, "sinks"));

    public bool IsPostgres => string.Equals(Storage, "postgres", StringComparison.OrdinalIgnoreCase);
}
