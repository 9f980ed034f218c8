using System.Net.Http.Json;
using System.Text.Json;
using StreamHub.Restream;
using StreamHub.Tests.Hls.Support;
using StreamHub.Tests.Infrastructure;
using static StreamHub.Tests.Restream.RestreamTestKit;

namespace StreamHub.Tests.Restream;

/// <summary>An ingest StreamHub pushing what FFmpeg publishes into it on to real servers: nginx-rtmp, a second
/// StreamHub over RTMP and RTMPS, a StreamHub process killed and restarted, and servers that fail on purpose.</summary>
public sealed class RestreamPushTests
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(15);

    private static string IngestUrl(StreamHubHost ingest, string key) => $"rtmp://127.0.0.1:{ingest.RtmpPort}/live/{key}";

    [Fact]
    public async Task Pushes_to_nginx_rtmp_whose_output_decodes_with_the_publishers_codecs_and_duration()
    {
        await using var nginx = await NginxRtmpServer.StartAsync(fragment: "1s", playlistLength: "30s");
        var store = new TestRestreamTargetStore();
        var log = new ListLogger<RestreamPusher>();
        await using var ingest = StartIngest(store, log: log);
        var (name, key) = await ingest.CreateStreamAsync("rs-nginx");
        const string nginxKey = "nginx-SECRET-key-4711";
        store.Set(Target(1, name, "nginx", nginx.RtmpPort, nginxKey));

        var publish = PublishAsync(IngestUrl(ingest, key), 6);
        var live = await WaitForStateAsync(ingest, name, "nginx", TargetState.Live, Soon);
        Assert.Equal("127.0.0.1", live.Host);
        using (var http = ingest.CreateHttpClient(withAdminKey: false))
        {
            await WaitForAsync(ingest, name, "nginx", s => s.BytesSent > 50_000, Soon, "sending");
            var metrics = await http.GetStringAsync("/metrics");
            Assert.Contains($"streamhub_restream_targets{{state=\"live\",stream=\"{name}\",target=\"nginx\"}} 1", metrics);
            Assert.Contains($"streamhub_restream_targets{{state=\"retrying\",stream=\"{name}\",target=\"nginx\"}} 0", metrics);
            Assert.Contains($"streamhub_restream_sent_bytes_total{{stream=\"{name}\",target=\"nginx\"}}", metrics);
            Assert.Contains($"streamhub_restream_reconnects_total{{stream=\"{name}\",target=\"nginx\"}} 0", metrics);
            Assert.DoesNotContain(nginxKey, metrics);
        }
        var published = await publish;
        Assert.True(published.ExitCode == 0, published.Output);
        var idle = await WaitForStateAsync(ingest, name, "nginx", TargetState.Idle, Soon);
        Assert.Null(idle.LastError);
        Assert.Equal(0, idle.Reconnects);
        Assert.True(idle.BytesSent > 100_000, $"{idle.BytesSent} bytes sent");
        // One line per state change, naming the stream, the target and its host; never the key (the publish name).
        Assert.Equal(
            [$"Information: Restream {name} → nginx (127.0.0.1): connecting", $"Information: Restream {name} → nginx (127.0.0.1): live",
             $"Information: Restream {name} → nginx (127.0.0.1): idle"],
            log.Lines);

        // nginx's HLS of what it received, its fragments joined into one transport stream.
        var joined = Path.Combine(Directory.CreateTempSubdirectory("streamhub-restream-").FullName, "nginx.ts");
        using (var http = new HttpClient())
        {
            var playlistUrl = nginx.PlaylistUrl(nginxKey);
            var playlist = await http.GetStringAsync(playlistUrl);
            await using var file = File.Create(joined);
            foreach (var segment in playlist.Split('\n').Select(l => l.Trim()).Where(l => l.EndsWith(".ts", StringComparison.Ordinal)))
            {
                await using var bytes = await http.GetStreamAsync(new Uri(playlistUrl, segment));
                await bytes.CopyToAsync(file);
            }
        }
        var probe = await MediaTools.RunAsync(MediaTools.Ffprobe, ["-v", "error", "-show_entries",
            "format=duration:stream=codec_type,codec_name,width,height,sample_rate", "-of", "json", joined]);
        Assert.True(probe.ExitCode == 0, probe.Output);
        using var json = JsonDocument.Parse(probe.StandardOutput);
        var streams = json.RootElement.GetProperty("streams").EnumerateArray().ToList();
        var video = Assert.Single(streams, s => s.GetProperty("codec_type").GetString() == "video");
        var audio = Assert.Single(streams, s => s.GetProperty("codec_type").GetString() == "audio");
        Assert.Equal("h264", video.GetProperty("codec_name").GetString());
        Assert.Equal(320, video.GetProperty("width").GetInt32());
        Assert.Equal("aac", audio.GetProperty("codec_name").GetString());
        Assert.Equal("44100", audio.GetProperty("sample_rate").GetString());
        // 6 s published; the push joins at the first keyframe after it connects (keyframes every second).
        var duration = double.Parse(json.RootElement.GetProperty("format").GetProperty("duration").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(duration, 4.0, 6.6);
        var decode = await MediaTools.RunAsync(MediaTools.Ffmpeg, ["-v", "error", "-i", joined, "-f", "null", "-"]);
        Assert.True(decode.ExitCode == 0 && decode.StandardError.Length == 0, $"decoding nginx's output: {decode.Output}");
    }

    [Fact]
    public async Task Pushes_to_a_second_StreamHub_over_rtmp_and_rtmps_and_refuses_its_self_signed_certificate_without_the_opt_out()
    {
        await using var hub = StreamHubHost.Start(new Dictionary<string, string?> { ["StreamHub:Hls:SegmentDurationSeconds"] = "1" });
        var (plainName, plainKey) = await hub.CreateStreamAsync("rs-plain");
        var (tlsName, tlsKey) = await hub.CreateStreamAsync("rs-tls");
        var store = new TestRestreamTargetStore();
        await using var ingest = StartIngest(store);
        var (name, key) = await ingest.CreateStreamAsync("rs-two");
        store.Set(
            Target(1, name, "plain", hub.RtmpPort, plainKey),
            Target(2, name, "tls", hub.HttpsPort, tlsKey, RestreamScheme.Rtmps, allowUntrusted: true),
            Target(3, name, "strict", hub.HttpsPort, tlsKey, RestreamScheme.Rtmps));

        var publish = PublishAsync(IngestUrl(ingest, key), 8);
        await WaitForStateAsync(ingest, name, "plain", TargetState.Live, Soon);
        await WaitForStateAsync(ingest, name, "tls", TargetState.Live, Soon);
        var strict = await WaitForStateAsync(ingest, name, "strict", TargetState.Failed, Soon);
        Assert.Contains("TLS: the certificate of 127.0.0.1 is not trusted", strict.LastError);
        Assert.Contains("AllowUntrustedCertificate", strict.LastError);

        using var client = hub.CreateHttpClient(withAdminKey: false);
        foreach (var pushed in new[] { plainName, tlsName })
        {
            var playlist = new Uri(hub.HttpBase, $"/hls/{pushed}/index.m3u8");
            var deadline = DateTime.UtcNow + Soon;
            while (DateTime.UtcNow < deadline && (await client.GetAsync(playlist)) is var response
                   && (!response.IsSuccessStatusCode || (await response.Content.ReadAsStringAsync()).Split('\n').Count(l => l.StartsWith("#EXTINF:", StringComparison.Ordinal)) < 2))
            {
                await Task.Delay(200);
            }
            var streams = await MediaTools.ProbeStreamsAsync(playlist.ToString());
            Assert.Contains(streams, s => s.GetProperty("codec_name").GetString() == "h264" && s.GetProperty("nb_read_frames").GetString() != "0");
            Assert.Contains(streams, s => s.GetProperty("codec_name").GetString() == "aac");
        }

        var published = await publish;
        Assert.True(published.ExitCode == 0, published.Output);
        foreach (var target in new[] { "plain", "tls" })
        {
            var idle = await WaitForStateAsync(ingest, name, target, TargetState.Idle, Soon);
            Assert.Null(idle.LastError);
            Assert.Equal(0, idle.Reconnects);
        }
    }

    [Fact]
    public async Task Three_targets_one_killed_and_restarted_reconnects_within_the_backoff_while_the_other_two_miss_no_segment()
    {
        await using var hub = StreamHubHost.Start(new Dictionary<string, string?> { ["StreamHub:Hls:SegmentDurationSeconds"] = "1" });
        var (aName, aKey) = await hub.CreateStreamAsync("rs-a");
        var (bName, bKey) = await hub.CreateStreamAsync("rs-b");
        var settings = StreamHubProcess.DefaultSettings();
        settings["StreamHub__Admin__ApiKey"] = StreamHubHost.AdminKey;
        settings["StreamHub__Hls__SegmentDurationSeconds"] = "1";
        var process = StreamHubProcess.Start(settings);
        try
        {
            await process.WaitUntilReadyAsync();
            string cKey;
            using (var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{process.HttpPort}/") })
            {
                api.DefaultRequestHeaders.Add("X-Api-Key", StreamHubHost.AdminKey);
                var created = await api.PostAsJsonAsync("/api/streams", new { name = UniqueNames.Stream("rs-c") });
                Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
                cKey = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
            }

            var store = new TestRestreamTargetStore();
            await using var ingest = StartIngest(store);
            var (name, key) = await ingest.CreateStreamAsync("rs-three");
            store.Set(Target(1, name, "a", hub.RtmpPort, aKey), Target(2, name, "b", hub.RtmpPort, bKey), Target(3, name, "c", process.RtmpPort, cKey));

            // The whole clip: the kill, the restart (a process start takes many seconds on a loaded machine) and the
            // checks after it all happen while it is live.
            var publish = PublishAsync(IngestUrl(ingest, key), 40);
            foreach (var target in new[] { "a", "b", "c" })
            {
                await WaitForStateAsync(ingest, name, target, TargetState.Live, Soon);
            }
            await using var watchA = new PlaylistWatch(new Uri(hub.HttpBase, $"/hls/{aName}/index.m3u8"));
            await using var watchB = new PlaylistWatch(new Uri(hub.HttpBase, $"/hls/{bName}/index.m3u8"));
            await Task.Delay(TimeSpan.FromSeconds(3));

            await process.DisposeAsync(); // killed
            var dropped = await WaitForAsync(ingest, name, "c", s => s.State is TargetState.Retrying or TargetState.Connecting && s.LastError is not null,
                Soon, "retrying after the kill");
            Assert.Contains("mid-stream", dropped.LastError);

            process = StreamHubProcess.Start(settings); // same ports, same data directory: the key is known again
            await process.WaitUntilReadyAsync();
            var ready = DateTime.UtcNow;
            var back = await WaitForStateAsync(ingest, name, "c", TargetState.Live, TimeSpan.FromSeconds(15));
            // Down for a few seconds: the waits so far were about 1, 2, 4 (and maybe 8) s, ±20 %.
            Assert.InRange(DateTime.UtcNow - ready, TimeSpan.Zero, TimeSpan.FromSeconds(11));
            Assert.True(back.Reconnects >= 1, back.ToString());
            await Task.Delay(TimeSpan.FromSeconds(3));

            foreach (var target in new[] { "a", "b" })
            {
                var status = StatusOf(ingest, name, target)!;
                Assert.Equal(TargetState.Live, status.State);
                Assert.Equal(0, status.Reconnects);
            }
            // How long the watches ran depends on how fast the process restarted; continuity is judged over as many
            // segments whether it was quick or slow (the clip is still live).
            await Task.WhenAll(watchA.WaitForSegmentsAsync(8, Soon), watchB.WaitForSegmentsAsync(8, Soon));
            await watchA.DisposeAsync();
            await watchB.DisposeAsync();
            watchA.AssertContinuous("target a", 8);
            watchB.AssertContinuous("target b", 8);

            var published = await publish;
            Assert.True(published.ExitCode == 0, published.Output);
        }
        finally
        {
            await process.DisposeAsync();
        }
    }

    [Fact]
    public async Task Silent_refusing_and_resetting_targets_end_in_the_right_state_with_the_right_error_while_the_ingest_HLS_carries_on()
    {
        await using var hub = StreamHubHost.Start();
        var (_, goodKey) = await hub.CreateStreamAsync("rs-reset");
        await using var silent = new SilentServer();
        await using var proxy = new ResettingProxy(hub.RtmpPort);
        var closedPort = FreePorts.Next();
        var store = new TestRestreamTargetStore();
        await using var ingest = StartIngest(store);
        var (name, key) = await ingest.CreateStreamAsync("rs-fail");
        store.Set(
            Target(1, name, "silent", silent.Port, "k1"),
            Target(2, name, "badkey", hub.RtmpPort, "no-such-key"),
            Target(3, name, "reset", proxy.Port, goodKey),
            Target(4, name, "closed", closedPort, "k4"));

        var publish = PublishAsync(IngestUrl(ingest, key), 14);
        await using var watch = new PlaylistWatch(new Uri(ingest.HttpBase, $"/hls/{name}/index.m3u8"));

        var badKey = await WaitForStateAsync(ingest, name, "badkey", TargetState.Failed, Soon);
        Assert.StartsWith("the platform refused the publish: NetStream.Publish.BadName (Unknown stream key.)", badKey.LastError);
        var closed = await WaitForAsync(ingest, name, "closed", s => s.State is TargetState.Retrying && s.LastError is not null, Soon, "retrying");
        Assert.Equal($"connection refused by 127.0.0.1:{closedPort}", closed.LastError);
        // ConnectTimeoutSeconds is 2 in these tests.
        var quiet = await WaitForAsync(ingest, name, "silent", s => s.State is TargetState.Retrying && s.LastError is not null, Soon, "retrying");
        Assert.StartsWith($"timeout waiting for the handshake: 127.0.0.1:{silent.Port} accepted the connection and did not answer", quiet.LastError);
        Assert.True(silent.Accepted >= 1);

        await WaitForStateAsync(ingest, name, "reset", TargetState.Live, Soon);
        await WaitForAsync(ingest, name, "reset", s => s.BytesSent > 20_000, Soon, "sending");
        proxy.ResetAll();
        var reset = await WaitForAsync(ingest, name, "reset", s => s.LastError is not null, Soon, "failed");
        Assert.Equal("the connection was reset mid-stream", reset.LastError);
        var again = await WaitForAsync(ingest, name, "reset", s => s.State == TargetState.Live && s.Reconnects >= 1, Soon, "live again");
        Assert.Equal(2, proxy.Connections);
        Assert.Equal("the connection was reset mid-stream", again.LastError);

        var published = await publish;
        Assert.True(published.ExitCode == 0, published.Output);
        await watch.DisposeAsync();
        watch.AssertContinuous("the ingest's own HLS", 8);
        // The stream ended: every push stops, whatever it was doing, and keeps its last error.
        foreach (var target in new[] { "silent", "badkey", "reset", "closed" })
        {
            await WaitForStateAsync(ingest, name, target, TargetState.Idle, Soon);
        }
        Assert.Contains("NetStream.Publish.BadName", StatusOf(ingest, name, "badkey")!.LastError);
    }

    [Fact]
    public async Task Targets_changed_while_live_are_started_stopped_disabled_and_restarted_to_match()
    {
        await using var hub = StreamHubHost.Start();
        var (_, firstKey) = await hub.CreateStreamAsync("rs-first");
        var (_, secondKey) = await hub.CreateStreamAsync("rs-second");
        var store = new TestRestreamTargetStore();
        await using var ingest = StartIngest(store);
        var control = ingest.GetService<IRestreamControl>();
        var (name, key) = await ingest.CreateStreamAsync("rs-change");
        var first = Target(1, name, "first", hub.RtmpPort, firstKey);
        store.Set(first);

        var publish = PublishAsync(IngestUrl(ingest, key), 14);
        await WaitForStateAsync(ingest, name, "first", TargetState.Live, Soon);

        // Added: starts at once.
        var second = Target(2, name, "second", hub.RtmpPort, secondKey);
        store.Set(first, second);
        control.TargetsChanged(name);
        await WaitForStateAsync(ingest, name, "second", TargetState.Live, Soon);

        // Disabled: stops, shown as disabled; the other carries on.
        store.Set(first, second with { Enabled = false });
        control.TargetsChanged(name);
        await WaitForStateAsync(ingest, name, "second", TargetState.Disabled, Soon);
        Assert.Equal(TargetState.Live, StatusOf(ingest, name, "first")!.State);

        // Changed (another port, through a relay): restarted against the new address.
        await using var relay = new ResettingProxy(hub.RtmpPort);
        store.Set(first with { Port = relay.Port }, second with { Enabled = false });
        control.TargetsChanged(name);
        await WaitForAsync(ingest, name, "first", s => s.State == TargetState.Live && relay.Connections == 1, Soon, "live through the relay");

        // Deleted: stops and is no longer listed.
        store.Set(first with { Port = relay.Port });
        control.TargetsChanged(name);
        var deadline = DateTime.UtcNow + Soon;
        while (DateTime.UtcNow < deadline && StatusOf(ingest, name, "second") is not null)
        {
            await Task.Delay(100);
        }
        Assert.Null(StatusOf(ingest, name, "second"));
        Assert.Equal(0, StatusOf(ingest, name, "first")!.Reconnects);

        var published = await publish;
        Assert.True(published.ExitCode == 0, published.Output);
        await WaitForStateAsync(ingest, name, "first", TargetState.Idle, Soon);
    }
}
