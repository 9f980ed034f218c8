using System.Reflection;

namespace StreamHub.Hosting;

/// <summary>Turns on .NET's inline socket completions for the server process: a completed receive continues on the
/// socket's event thread instead of being queued to the thread pool. With <see cref="RtmpTransportFactory"/>'s inline
/// scheduling, an RTMP read is then received, parsed and packaged on that one thread with no hand-off, which saves a
/// thread wake-up per read (see benchmarks/README.md). The web ports are unaffected in what they run where: Kestrel
/// still dispatches HTTP requests to the thread pool. The runtime reads the switch once, from the environment, before
/// the first socket is used, so it is set at the top of <c>Main</c>; an explicit
/// <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS</c> (e.g. 0) wins. Not applied when StreamHub is hosted by another
/// program (the test host), whose own sockets may block their threads.</summary>
public static class InlineSocketCompletions
{
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public static void EnableForServerProcess()
    {
        if (ShouldEnable(Assembly.GetEntryAssembly(), Environment.GetEnvironmentVariable(Variable)))
        {
            Environment.SetEnvironmentVariable(Variable, "1");
        }
    }

    /// <summary>Only for StreamHub's own process, and only when the operator has not set the variable.</summary>
    internal static bool ShouldEnable(Assembly? entryAssembly, string? current) =>
        entryAssembly == typeof(InlineSocketCompletions).Assembly && current is null;
}
