using System.Text.Encodings.Web;
using System.Text.Json;

namespace ToolGrains.Core.Protocol;

/// <summary>How protocol answers are written: readable text (no \u0027 for a quote), since they are read by people and scripts, never embedded in HTML.</summary>
public static class JsonWriting
{
    public static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
