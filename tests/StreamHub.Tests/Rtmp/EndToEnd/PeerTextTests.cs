using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using StreamHub.Live;
using StreamHub.Rtmp.Amf;
using StreamHub.Rtmp.Commands;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Rtmp.EndToEnd;

/// <summary>Text a peer chose reaches the logs and the API escaped and cut: over a real socket, with the server's own
/// console output (its own process) and its own API.</summary>
public sealed class PeerTextTests
{
    private const string Forged = "[12:00:00.000 INF] StreamHub.Rtmp.RtmpConnectionHandler: forged line";

    [Fact]
    public async Task A_flashVer_with_CR_LF_an_ANSI_escape_and_1_MB_of_text_logs_one_short_line_without_them()
    {
        var settings = StreamHubProcess.DefaultSettings();
        // Large commands allowed, so the 1 MB string reaches the session instead of being refused by its size.
        settings["StreamHub__Rtmp__MaxCommandSize"] = (2 * 1024 * 1024).ToString();
        await using var server = StreamHubProcess.Start(settings);
        await server.WaitUntilReadyAsync();

        await using (var client = await TestRtmpClient.ConnectAsync(server.RtmpPort))
        {
            await client.HandshakeAsync();
            var flashVer = $"FMLE/3.0\r\n{Forged}\r\n\u001b[2J\u001b[31mred{new string('A', 1024 * 1024)}";
            await client.SendCommandAsync(0, CommandNames.Connect, 1, new AmfObject
            {
                ["app"] = "live",
                ["flashVer"] = flashVer,
                ["tcUrl"] = $"rtmp://127.0.0.1/live\r\n{Forged}",
            });
            Assert.Equal(CommandNames.Result, (await client.ReadCommandAsync())?.Name);
        }
        await server.WaitForOutputAsync("connected to application live", TimeSpan.FromSeconds(10));

        var lines = server.Output.Split('\n');
        Assert.DoesNotContain(lines, line => line.TrimStart('\r').StartsWith(Forged, StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.Contains('\u001b'));
        Assert.DoesNotContain(lines, line => line.TrimEnd('\r').Contains('\r'));
        Assert.All(lines, line => Assert.True(line.Length < 1024, $"a log line of {line.Length} characters"));
        var connected = Assert.Single(lines, line => line.Contains("connected to application live", StringComparison.Ordinal));
        Assert.Contains(@"FMLE/3.0\r\n[12:00:00.000 INF]", connected);
        Assert.Contains(@"\x1b[2J", connected);
    }

    [Fact]
    public async Task A_1_MiB_encoder_name_in_onMetaData_leaves_the_streams_API_answer_small()
    {
        var sink = new RecordingMediaSink();
        await using var host = StreamHubHost.Start(new Dictionary<string, string?> { ["StreamHub:Rtmp:MaxCommandSize"] = (2 * 1024 * 1024).ToString() },
            configureServices: services => services.AddSingleton<IMediaSink>(sink));
        var (name, key) = await host.CreateStreamAsync("encname");
        await using var client = await TestRtmpClient.ConnectAsync(host.RtmpPort);
        await client.HandshakeAsync();
        var (code, streamId) = await client.PublishAsync(key);
        Assert.Equal(RtmpStatusCodes.PublishStart, code);
        await client.SendMetadataAsync(streamId, new AmfObject
        {
            ["encoder"] = "x264\r\n" + new string('E', 1024 * 1024),
            ["width"] = 1280.0,
        });
        await client.SendAvcAsync(streamId, 0, true, 0, 0, [1, 0x64, 0, 0x1F]);
        await RecordingMediaSink.WaitUntilAsync(() => sink.Frames(name).Count == 1, TimeSpan.FromSeconds(10), "the frame after the metadata");

        using var http = host.CreateHttpClient();
        var list = await http.GetStringAsync("/api/streams");
        Assert.True(list.Length < 8 * 1024, $"/api/streams answered {list.Length} characters");
        using var one = JsonDocument.Parse(await http.GetStringAsync($"/api/streams/{name}"));
        var encoder = one.RootElement.GetProperty("live").GetProperty("encoder").GetString()!;
        Assert.StartsWith(@"x264\r\nEEE", encoder);
        Assert.True(encoder.Length <= 257, $"encoder of {encoder.Length} characters");
    }
}
