using System.Text;
using System.Text.Json;
using ToolGrains.Core.Specs;

namespace ToolGrains.Core.Tests.Specs;

public sealed class SpecFileReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("toolgrains-spec-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, byte[] content)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    private static ToolGrainsException Refused(Action action) => Assert.Throws<ToolGrainsException>(action);

    [Fact]
    public void Reads_a_markdown_file_and_extracts_it()
    {
        string path = Write("spec.md", Encoding.UTF8.GetBytes(RestApiSpecDocument.Build()));
        var result = SpecExtractor.Default.ExtractFromFile(path);
        Assert.True(result.Stats.Summarized);
        Assert.True(result.OverseerSpec.Length <= SpecExtractionOptions.DefaultMaxLength);
        Assert.Equal(60, result.Sections.Requirements.Count);
    }

    [Fact]
    public void A_utf8_byte_order_mark_is_dropped()
    {
        string path = Write("bom.md", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("Naïve café spec — überall.")]);
        Assert.Equal("Naïve café spec — überall.", SpecFileReader.ReadAllText(path));
    }

    [Fact]
    public void Missing_file_is_file_not_found()
    {
        var e = Refused(() => SpecExtractor.Default.ExtractFromFile(Path.Combine(_dir, "nope.md")));
        Assert.Equal((ErrorCodes.FileNotFound, "file_path"), (e.Code, e.Field));
    }

    [Fact]
    public void A_directory_is_an_invalid_request()
    {
        var e = Refused(() => SpecExtractor.Default.ExtractFromFile(_dir));
        Assert.Equal((ErrorCodes.InvalidRequest, "file_path"), (e.Code, e.Field));
    }

    [Fact]
    public void An_empty_path_is_an_invalid_request()
    {
        var e = Refused(() => SpecExtractor.Default.ExtractFromFile(""));
        Assert.Equal((ErrorCodes.InvalidRequest, "file_path"), (e.Code, e.Field));
    }

    [Fact]
    public void Invalid_utf8_is_not_utf8()
    {
        string path = Write("latin1.md", [.. "caf"u8, 0xE9, .. " au lait"u8]);
        var e = Refused(() => SpecExtractor.Default.ExtractFromFile(path));
        Assert.Equal(ErrorCodes.NotUtf8, e.Code);
    }

    [Fact]
    public void Utf16_is_not_utf8()
    {
        string path = Write("utf16.md", [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("# Spec")]);
        var e = Refused(() => SpecExtractor.Default.ExtractFromFile(path));
        Assert.Equal(ErrorCodes.NotUtf8, e.Code);
    }

    [Fact]
    public void Binary_content_is_not_text()
    {
        string path = Write("image.png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D]);
        var e = Refused(() => SpecExtractor.Default.ExtractFromFile(path));
        Assert.Equal(ErrorCodes.NotText, e.Code);
    }

    [Fact]
    public void Larger_than_the_limit_is_file_too_large()
    {
        string path = Write("big.md", Encoding.UTF8.GetBytes(new string('a', 2_000)));
        var extractor = new SpecExtractor(new SpecExtractionOptions { MaxFileSizeBytes = 1_000 });
        var e = Refused(() => extractor.ExtractFromFile(path));
        Assert.Equal((ErrorCodes.FileTooLarge, "file_path"), (e.Code, e.Field));
        Assert.Equal(50L * 1024 * 1024, SpecExtractionOptions.Default.MaxFileSizeBytes);
    }

    [Fact]
    public void A_text_sent_whole_meets_the_file_limit_in_UTF8_bytes()
    {
        var extractor = new SpecExtractor(new SpecExtractionOptions { MaxFileSizeBytes = 1_000 });
        var e = Refused(() => extractor.Extract("# Big\n\n" + new string('a', 1_000)));
        Assert.Equal((ErrorCodes.FileTooLarge, "text"), (e.Code, e.Field));
        // 400 characters of three bytes each: under the limit in characters, over it in bytes.
        Assert.Equal(ErrorCodes.FileTooLarge, Refused(() => extractor.Extract(new string('€', 400))).Code);
        Assert.Contains("Small", extractor.Extract("# Small\n\n" + new string('€', 300)).ToJson());
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x20, 0x0A, 0x09, 0x0D, 0x0A })]
    public void Empty_or_blank_is_empty_file(byte[] content)
    {
        string path = Write("empty.md", content);
        var e = Refused(() => SpecExtractor.Default.ExtractFromFile(path));
        Assert.Equal(ErrorCodes.EmptyFile, e.Code);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void Max_length_below_one_is_an_invalid_request_before_reading(int maxLength)
    {
        var e = Refused(() => SpecExtractor.Default.ExtractFromFile(Path.Combine(_dir, "nope.md"), true, maxLength));
        Assert.Equal((ErrorCodes.InvalidRequest, "max_length"), (e.Code, e.Field));
        e = Refused(() => SpecExtractor.Default.Extract("text", true, maxLength));
        Assert.Equal("max_length", e.Field);
    }
}
