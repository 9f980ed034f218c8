using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using StreamHub.Rtmp.Tunnel;
using StreamHub.Tests.Hls;
using StreamHub.Tests.Infrastructure;
using Xunit.Abstractions;

namespace StreamHub.Tests.EndToEnd;

/// <summary>Memory under repeated attacks that need no key, against a real server process with a live ffmpeg
/// publisher: each attack runs five times, and the server's RSS is printed before, right after and a few seconds after
/// each run. What is asserted is only that the memory does not ratchet up from run to run.</summary>
public sealed class AttackMemoryTests(ITestOutputHelper output)
{
    private const string Admin = "attack-memory-admin";
    private const int Runs = 5;
    private const long RatchetAllowance = 64L * 1024 * 1024;

    [Fact]
    public async Task Playlist_gets_with_distinct_30_KB_user_agents_five_times_do_not_ratchet_the_servers_memory_up()
    {
        await using var server = await StartAsync();
        var key = await CreateStreamAsync(server, "rss-hls");
        using var ffmpeg = LiveStatsTests.StartLivePublish(server.RtmpPort, key, seconds: 300);
        try
        {
            using var viewer = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.HttpPort}") };
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while ((await viewer.GetAsync("/hls/rss-hls/index.m3u8")).StatusCode != HttpStatusCode.OK && DateTime.UtcNow < deadline)
            {
                await Task.Delay(250);
            }

            await MeasureAsync(server, "HLS: 5000 playlist GETs with distinct 30 KB User-Agents from one address",
                () => Task.WhenAll(Enumerable.Range(0, 4).Select(worker => HlsViewersTests.FloodAsync(server.HttpPort, "rss-hls", worker, 1_250))));
        }
        finally
        {
            if (!ffmpeg.HasExited)
            {
                ffmpeg.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task Rtmpt_open_floods_five_times_do_not_ratchet_the_servers_memory_up()
    {
        await using var server = await StartAsync();
        var attacker = IPAddress.Parse("127.0.0.2");
        await MeasureAsync(server, "RTMPT: 3000 tunnel opens on one keep-alive connection from one address, then close",
            async () =>
            {
                using var client = new HttpClient(new SocketsHttpHandler
                {
                    ConnectCallback = async (context, cancellationToken) =>
                    {
                        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                        socket.Bind(new IPEndPoint(attacker, 0));
                        await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                        return new NetworkStream(socket, ownsSocket: true);
                    },
                })
                { BaseAddress = new Uri($"http://127.0.0.1:{server.HttpPort}") };
                var opened = new List<string>();
                var firstRefused = -1;
                for (var i = 0; i < 3_000; i++)
                {
                    using var response = await client.PostAsync("/open/1", Fcs());
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        opened.Add((await response.Content.ReadAsStringAsync()).TrimEnd('\n'));
                    }
                    else if (firstRefused < 0)
                    {
                        firstRefused = i;
                    }
                }
                // StreamHub:Limits:MaxTunnelsPerAddress: the 21st open is refused. (On a slow machine the 3,000 opens can
                // outlast the idle tunnels' expiry, which frees slots for a few more later.)
                Assert.Equal(20, firstRefused);
                Assert.InRange(opened.Count, 20, 3_000 - 1);
                foreach (var id in opened)
                {
                    (await client.PostAsync($"/close/{id}/1", Fcs())).Dispose();
                }
            });
    }

    private async Task MeasureAsync(StreamHubProcess server, string attack, Func<Task> run)
    {
        await Task.Delay(2_000);
        output.WriteLine($"{attack}; server RSS in MB");
        output.WriteLine($"start: {Mb(server.ResidentBytes())}");
        var settled = new List<long>();
        for (var i = 1; i <= Runs; i++)
        {
            var before = server.ResidentBytes();
            await run();
            var after = server.ResidentBytes();
            await Task.Delay(5_000);
            var later = server.ResidentBytes();
            settled.Add(later);
            output.WriteLine($"run {i}: before {Mb(before)}, right after {Mb(after)}, 5 s later {Mb(later)}");
        }
        Assert.True(settled[^1] <= settled[0] + RatchetAllowance,
            $"the server's memory after the last run ({Mb(settled[^1])} MB) is over that after the first ({Mb(settled[0])} MB) by more than {Mb(RatchetAllowance)} MB");
    }

    private static string Mb(long bytes) => (bytes / (1024.0 * 1024)).ToString("F0");

    private static async Task<StreamHubProcess> StartAsync()
    {
        var settings = StreamHubProcess.DefaultSettings();
        settings["StreamHub__Admin__ApiKey"] = Admin;
        settings["StreamHub__Logging__MinimumLevel"] = "Warning";
        var server = StreamHubProcess.Start(settings);
        await server.WaitUntilReadyAsync();
        return server;
    }

    private static async Task<string> CreateStreamAsync(StreamHubProcess server, string name)
    {
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.HttpPort}") };
        client.DefaultRequestHeaders.Add("X-Api-Key", Admin);
        var response = await client.PostAsJsonAsync("/api/streams", new { name });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }

    private static ByteArrayContent Fcs()
    {
        var content = new ByteArrayContent([0]);
        content.Headers.ContentType = new MediaTypeHeaderValue(RtmptEndpoints.ContentType);
        return content;
    }
}
