using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace StreamHub.LoadTest;

/// <summary>Concurrent HTTP load with wrk (<c>wrk -t2 -c50 -d10s URL</c>).</summary>
public static partial class HttpLoad
{
    public sealed record Result(double RequestsPerSecond, long Non2xx, string Transfer);

    public static bool Available => NginxServer.Which("wrk") is not null;

    public static async Task<Result?> RunAsync(string url, int seconds, int connections)
    {
        if (NginxServer.Which("wrk") is not { } wrk)
        {
            return null;
        }
        var start = new ProcessStartInfo(wrk, ["-t2", $"-c{connections}", $"-d{seconds}s", url])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var rps = RequestsPerSecond().Match(output);
        if (!rps.Success)
        {
            Console.Error.WriteLine($"  wrk: {output}");
            return null;
        }
        var non2xx = Non2xx().Match(output);
        var transfer = Transfer().Match(output);
        return new Result(double.Parse(rps.Groups[1].Value, CultureInfo.InvariantCulture),
            non2xx.Success ? long.Parse(non2xx.Groups[1].Value, CultureInfo.InvariantCulture) : 0,
            transfer.Success ? transfer.Groups[1].Value : "");
    }

    [GeneratedRegex(@"Requests/sec:\s+([0-9.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+([0-9]+)")]
    private static partial Regex Non2xx();

    [GeneratedRegex(@"Transfer/sec:\s+(\S+)")]
    private static partial Regex Transfer();
}
