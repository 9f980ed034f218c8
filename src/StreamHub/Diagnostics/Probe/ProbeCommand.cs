using System.Globalization;

namespace StreamHub.Diagnostics.Probe;

/// <summary><c>StreamHub probe URL [--timeout SECONDS]</c>: checks, from where it runs, that an encoder can reach an
/// RTMP server (directly, in TLS, or tunnelled in HTTP), and says where the path breaks. Exit code 0 when connect is accepted; otherwise the
/// <see cref="ProbeFailure"/> of the stage that failed.</summary>
public static class ProbeCommand
{
    public const string Name = "probe";

    public static async Task<int> RunAsync(string[] args, TextWriter output, CancellationToken cancellationToken = default)
    {
        string? url = null;
        var timeout = TimeSpan.FromSeconds(5);
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--timeout" && i + 1 < args.Length && double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
            {
                timeout = TimeSpan.FromSeconds(seconds);
                i++;
            }
            else if (url is null && !args[i].StartsWith("--", StringComparison.Ordinal))
            {
                url = args[i];
            }
            else
            {
                return Usage(output, $"unexpected argument '{args[i]}'");
            }
        }
        if (url is null)
        {
            return Usage(output, "a URL is required");
        }
        if (!ProbeTarget.TryParse(url, out var target, out var error))
        {
            return Usage(output, error);
        }

        output.WriteLine($"Probing {target.Url} ({target.Host}, port {target.Port}, {target.Protocol}, application '{target.Application}')");
        var report = await new PortProbe(timeout).RunAsync(target, cancellationToken);
        foreach (var step in report.Steps)
        {
            output.WriteLine($"  {(step.Succeeded ? "ok  " : "FAIL")}  {Label(step.Stage),-12} {step.Elapsed.TotalMilliseconds,7:0} ms  {step.Detail}");
            if (step.Warning is not null)
            {
                output.WriteLine($"        warning: {step.Warning}");
            }
        }
        output.WriteLine(report.Succeeded ? $"OK: {report.Hint}" : $"Failed at {Label(report.Steps[^1].Stage)}. {report.Hint}");
        return (int)report.Failure;
    }

    private static string Label(ProbeStage stage) => stage switch
    {
        ProbeStage.Resolve => "resolve",
        ProbeStage.Connect => "tcp connect",
        ProbeStage.Tls => "tls",
        ProbeStage.TunnelOpen => "rtmpt open",
        ProbeStage.Handshake => "handshake",
        _ => "rtmp connect",
    };

    private static int Usage(TextWriter output, string problem)
    {
        output.WriteLine($"StreamHub probe: {problem}");
        output.WriteLine("usage: StreamHub probe rtmp://HOST[:PORT]/APP | rtmps://HOST[:PORT]/APP | rtmpt://HOST[:PORT]/APP | rtmpts://HOST[:PORT]/APP [--timeout SECONDS]");
        output.WriteLine("       e.g. dotnet run --project src/StreamHub -- probe rtmp://example.com:1935/live");
        return (int)ProbeFailure.BadUrl;
    }
}
