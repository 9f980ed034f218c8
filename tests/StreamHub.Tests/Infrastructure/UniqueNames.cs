namespace StreamHub.Tests.Infrastructure;

public static class UniqueNames
{
    private static int _next;

    /// <summary>A valid stream name no other test uses.</summary>
    public static string Stream(string prefix = "s") => $"{prefix}-{Interlocked.Increment(ref _next)}-{Guid.NewGuid().ToString("N")[..8]}";
}
