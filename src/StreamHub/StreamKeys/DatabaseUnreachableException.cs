namespace StreamHub.StreamKeys;

/// <summary>The configured database could not be reached at start-up. Carries what an operator needs to fix it (the
/// setting and the host), so start-up reports it in one line instead of a stack trace.</summary>
public sealed class DatabaseUnreachableException(string setting, string host, string reason, Exception inner)
    : Exception($"Cannot reach the database at {host}: {reason}. Check {setting} and that the database server is running.", inner)
{
    public string Setting { get; } = setting;
    public string Host { get; } = host;
    public string Reason { get; } = reason;
}
