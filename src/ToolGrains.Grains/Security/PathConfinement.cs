namespace ToolGrains.Grains.Security;

/// <summary>
/// Whether a path a caller named stays inside the folders the operator allowed, judged on the real path: every
/// symbolic link on the way is followed first, so a link inside an allowed folder cannot lead out of it.
/// </summary>
public static class PathConfinement
{
    /// <summary>The absolute path with every symbolic link along it resolved (parts that do not exist yet are kept as written).</summary>
    public static string RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full)!;
        var current = root;
        var parts = full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            current = Path.Combine(current, parts[i]);
            FileSystemInfo info = Directory.Exists(current) ? new DirectoryInfo(current) : new FileInfo(current);
            // Bounded: a link cycle makes ResolveLinkTarget throw, which counts as outside.
            if (info.Exists && info.LinkTarget is not null)
                current = info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? current;
        }
        return current;
    }

    /// <summary>Whether <paramref name="path"/>'s real path is <paramref name="folder"/> or inside it.</summary>
    public static bool IsInside(string path, string folder)
    {
        try
        {
            var real = RealPath(path);
            var root = Path.TrimEndingDirectorySeparator(RealPath(folder));
            return real == root || real.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return false;
        }
    }

    /// <summary>
    /// The full path a caller's relative <paramref name="path"/> names inside <paramref name="folder"/>, or null when it is
    /// absolute, holds a character no path may hold, names the folder itself, or leads out of it (links followed).
    /// </summary>
    public static string? ResolveInside(string path, string folder)
    {
        if (string.IsNullOrWhiteSpace(path) || Path.IsPathRooted(path) || path.IndexOfAny(Path.GetInvalidPathChars()) >= 0) return null;
        var root = Path.GetFullPath(folder);
        var full = Path.GetFullPath(Path.Combine(root, path));
        return full != Path.TrimEndingDirectorySeparator(root) && IsInside(full, root) ? full : null;
    }

    /// <summary>Whether <paramref name="path"/> is inside any of <paramref name="folders"/>.</summary>
    public static bool IsInsideAny(string path, IEnumerable<string> folders) => folders.Any(folder => IsInside(path, folder));
}
