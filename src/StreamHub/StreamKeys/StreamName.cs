using System.Text.RegularExpressions;

namespace StreamHub.StreamKeys;

/// <summary>The rule for public stream names: lowercase letters, digits, '-' and '_', 1 to 64 characters. Safe in a
/// URL path segment and a file name as it is.</summary>
public static partial class StreamName
{
    public const int MaxLength = 64;
    public const string Rule = "lowercase letters, digits, '-' and '_', 1 to 64 characters";

    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);

    [GeneratedRegex("^[a-z0-9_-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
