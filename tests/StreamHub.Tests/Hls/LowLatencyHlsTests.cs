using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using StreamHub.Hls;
using StreamHub.Live;
using StreamHub.Media;
using StreamHub.Tests.Hls.Support;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Hls;

/// <summary>Low-latency HLS over fMP4 (the default) on the real app over HTTP, fed a real x264/AAC encode frame by
/// frame, so each test decides exactly when a part can exist: the playlist's tags, parts that add up to their segment,
/// blocking playlist reload, a preload-hinted part request that waits for its part, and delta updates.</summary>
public sealed partial class LowLatencyHlsTests : IAsyncLifetime
{
    private static readonly Lazy<string> Encode = new(() => MediaTools.Flv("ll-av-14s-gop1", "-f", "lavfi", "-i",
        "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-t", "14", "-c:v", "libx264",
        "-preset", "veryfast", "-g", "25", "-bf", "2", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2"));

    private StreamHubHost _host = null!;
    private HttpClient _client = null!;
    private List<MediaFrame> _frames = null!;
    private int _next;

    public Task InitializeAsync()
    {
        _host = StreamHubHost.Start(new Dictionary<string, string?>
        {
            ["StreamHub:Hls:SegmentDurationSeconds"] = "1",
            ["StreamHub:Hls:WindowSegments"] = "10",
        });
        _client = _host.CreateHttpClient(withAdminKey: false);
        _frames = FlvFrameReader.ReadFrames(Encode.Value);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var frame in _frames.Skip(_next))
        {
            frame.Release();
        }
        _client.Dispose();
        await _host.DisposeAsync();
    }

    private LiveStream Begin(string name)
    {
        Assert.True(_host.GetService<LiveStreamRegistry>().TryBeginPublish(name, new PublisherInfo("test", "127.0.0.1:1", null), out var stream));
        return stream;
    }

    /// <summary>Writes the encode's frames up to <paramref name="untilMs"/> (DTS).</summary>
    private void WriteUntil(LiveStream stream, long untilMs)
    {
        while (_next < _frames.Count && _frames[_next].Dts < untilMs)
        {
            stream.Write(_frames[_next]);
            _frames[_next++].Release();
        }
    }

    private Task<string> PlaylistAsync(string name, string query = "") => _client.GetStringAsync($"/hls/{name}/index.m3u8{query}");

    [Fact]
    public async Task Playlist_lists_parts_within_the_part_target_that_add_up_to_their_segment_with_map_server_control_and_hint()
    {
        var stream = Begin("ll-tags");
        WriteUntil(stream, 4_500);
        var text = await PlaylistAsync("ll-tags");

        Assert.StartsWith("#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:1\n", text);
        Assert.Contains("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=6,PART-HOLD-BACK=0.999\n", text);
        Assert.Contains("#EXT-X-PART-INF:PART-TARGET=0.333\n", text);
        Assert.Matches(@"#EXT-X-MAP:URI=""init1\.mp4""\n", text);
        var hint = Assert.Single(PreloadHint().Matches(text)).Groups[1].Value;
        var parts = Part().Matches(text).Select(m => (Duration: double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
            Uri: m.Groups[2].Value, Independent: m.Groups[3].Success)).ToList();
        Assert.True(parts.Count >= 9, text); // three finished 1 s segments and the open one, ~3 parts each
        Assert.All(parts, p => Assert.InRange(p.Duration, 0.04, 0.333));
        Assert.Contains(parts, p => p.Independent);
        Assert.Contains(parts, p => !p.Independent);
        Assert.DoesNotContain(parts, p => p.Uri == hint);

        using var init = await _client.GetAsync("/hls/ll-tags/init1.mp4");
        Assert.Equal(HttpStatusCode.OK, init.StatusCode);
        Assert.Equal("video/mp4", init.Content.Headers.ContentType?.MediaType);
        Assert.Equal("ftyp"u8.ToArray(), (await init.Content.ReadAsByteArrayAsync())[4..8]);

        // The parts of a finished segment, fetched one by one and joined, are the segment byte for byte; each is
        // immutable, and a part that starts a segment is independent. Parts are numbered across segments.
        var segment = Segment().Matches(text).Select(m => m.Groups[1].Value).Last();
        var ofSegment = PartsOf(text, segment);
        Assert.True(ofSegment.Count >= 2, text);
        Assert.Contains("INDEPENDENT=YES", ofSegment[0]);
        var numbers = parts.Select(p => long.Parse(p.Uri[1..^4], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Enumerable.Range(0, numbers.Count).Select(i => numbers[0] + i), numbers);
        Assert.Equal(numbers[^1] + 1, long.Parse(hint[1..^4], CultureInfo.InvariantCulture));
        var joined = new List<byte>();
        foreach (var uri in ofSegment.Select(l => Part().Match(l).Groups[2].Value))
        {
            using var response = await _client.GetAsync($"/hls/ll-tags/{uri}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("public, max-age=86400, immutable", response.Headers.CacheControl?.ToString());
            joined.AddRange(await response.Content.ReadAsByteArrayAsync());
        }
        var whole = await _client.GetByteArrayAsync($"/hls/ll-tags/{segment}");
        Assert.Equal("styp"u8.ToArray(), whole[4..8]);
        Assert.Equal(whole, joined.ToArray());
    }

    [Fact]
    public async Task A_part_the_playlist_no_longer_lists_is_served_while_its_segment_is_still_fetchable()
    {
        var stream = Begin("ll-stalled");
        WriteUntil(stream, 4_500);
        var first = Part().Matches(await PlaylistAsync("ll-stalled")).Select(m => m.Groups[2].Value).First();
        var given = await _client.GetByteArrayAsync($"/hls/ll-stalled/{first}");

        // A player that stalled comes back after the listed parts moved on by several segments.
        WriteUntil(stream, 9_500);
        var text = await PlaylistAsync("ll-stalled");
        Assert.DoesNotContain(first, text);
        using var late = await _client.GetAsync($"/hls/ll-stalled/{first}");
        Assert.Equal(HttpStatusCode.OK, late.StatusCode);
        Assert.Equal(given, await late.Content.ReadAsByteArrayAsync());

        // A part never written is still a 404.
        using var never = await _client.GetAsync("/hls/ll-stalled/p1.m4s");
        Assert.Equal(HttpStatusCode.NotFound, never.StatusCode);
    }

    [Fact]
    public async Task Blocking_reload_waits_for_the_part_asked_for_and_answers_once_it_is_written()
    {
        var stream = Begin("ll-block");
        WriteUntil(stream, 2_500);
        var text = await PlaylistAsync("ll-block");
        var hint = Assert.Single(PreloadHint().Matches(text)).Groups[1].Value;
        // The part being written is the next of the open segment: its sequence follows the last whole segment's, its
        // index is the number of its parts listed so far.
        var last = Segment().Matches(text).Select(m => m.Groups[1].Value).Last();
        var msn = long.Parse(last[1..^4], CultureInfo.InvariantCulture) + 1;
        var index = text[text.LastIndexOf(last, StringComparison.Ordinal)..].Split('\n').Count(l => l.StartsWith("#EXT-X-PART:", StringComparison.Ordinal));

        var blocked = PlaylistAsync("ll-block", $"?_HLS_msn={msn}&_HLS_part={index}");
        await Task.Delay(500);
        Assert.False(blocked.IsCompleted, "answered before the part it asks for was written");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        WriteUntil(stream, 3_000); // the part completes in here, when the first frame past its target arrives
        var answered = await blocked.WaitAsync(TimeSpan.FromSeconds(10));
        clock.Stop();
        Assert.Contains($"URI=\"{hint}\"", answered);
        // Woken by the new snapshot, not by polling: the answer follows the part at once (a generous bound for a loaded
        // machine; the load test measures the delay itself).
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"answered {clock.Elapsed.TotalMilliseconds:0} ms after the part was written");
        Assert.DoesNotContain($"PRELOAD-HINT:TYPE=PART,URI=\"{hint}\"", answered);
    }

    [Fact]
    public async Task Blocking_reload_answer_says_when_the_playlist_it_holds_was_published()
    {
        var stream = Begin("ll-published");
        WriteUntil(stream, 2_500);
        using var plain = await _client.GetAsync("/hls/ll-published/index.m3u8");
        Assert.False(plain.Headers.Contains(HlsEndpoints.PublishedHeader));
        var text = await plain.Content.ReadAsStringAsync();
        var last = Segment().Matches(text).Select(m => m.Groups[1].Value).Last();
        var msn = long.Parse(last[1..^4], CultureInfo.InvariantCulture) + 1;
        var index = text[text.LastIndexOf(last, StringComparison.Ordinal)..].Split('\n').Count(l => l.StartsWith("#EXT-X-PART:", StringComparison.Ordinal));

        var blocked = _client.GetAsync($"/hls/ll-published/index.m3u8?_HLS_msn={msn}&_HLS_part={index}");
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        WriteUntil(stream, 3_000);
        using var answer = await blocked.WaitAsync(TimeSpan.FromSeconds(10));
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var published = double.Parse(Assert.Single(answer.Headers.GetValues(HlsEndpoints.PublishedHeader)), CultureInfo.InvariantCulture);
        // Published by the write that made the part asked for, so between the write and the answer.
        Assert.InRange(published, before - 1, after + 1);
    }

    [Fact]
    public async Task A_blocking_reload_that_waited_is_counted_in_the_wake_up_histogram_and_one_that_did_not_is_not()
    {
        const string Count = "streamhub_hls_blocking_wake_seconds_count ";
        var stream = Begin("ll-wake");
        WriteUntil(stream, 2_500);
        var text = await PlaylistAsync("ll-wake");
        var segment = Segment().Matches(text).Select(m => m.Groups[1].Value).Last();
        var last = long.Parse(segment[1..^4], CultureInfo.InvariantCulture);
        var next = text[text.LastIndexOf(segment, StringComparison.Ordinal)..].Split('\n').Count(l => l.StartsWith("#EXT-X-PART:", StringComparison.Ordinal));

        // Already satisfied: answered at once, nothing waited.
        using (var immediate = await _client.GetAsync($"/hls/ll-wake/index.m3u8?_HLS_msn={last}"))
        {
            Assert.Equal(HttpStatusCode.OK, immediate.StatusCode);
        }
        Assert.DoesNotContain(Count, await _client.GetStringAsync("/metrics"));

        var blocked = _client.GetAsync($"/hls/ll-wake/index.m3u8?_HLS_msn={last + 1}&_HLS_part={next}");
        await Task.Delay(200);
        Assert.False(blocked.IsCompleted);
        WriteUntil(stream, 3_000);
        using var answer = await blocked.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);

        // Recorded when the response completes, which can be just after the client has it.
        var metrics = "";
        for (var deadline = DateTime.UtcNow.AddSeconds(5); DateTime.UtcNow < deadline && !metrics.Contains(Count + "1\n", StringComparison.Ordinal);)
        {
            metrics = await _client.GetStringAsync("/metrics");
        }
        Assert.Contains(Count + "1\n", metrics);
        Assert.Contains("# TYPE streamhub_hls_blocking_wake_seconds histogram", metrics);
        // Its own millisecond buckets, not the exporter's default ones starting at 5 ms.
        Assert.Matches(@"streamhub_hls_blocking_wake_seconds_bucket\{le=""0\.001""\} [01]\n", metrics);
        Assert.Contains("streamhub_hls_blocking_wake_seconds_bucket{le=\"+Inf\"} 1\n", metrics);
    }

    [Fact]
    public async Task Blocking_reload_too_far_ahead_or_without_msn_is_a_400_problem()
    {
        var stream = Begin("ll-ahead");
        WriteUntil(stream, 2_500);
        var text = await PlaylistAsync("ll-ahead");
        var last = long.Parse(Segment().Matches(text).Select(m => m.Groups[1].Value).Last()[1..^4], CultureInfo.InvariantCulture);

        using var ahead = await _client.GetAsync($"/hls/ll-ahead/index.m3u8?_HLS_msn={last + 4}");
        Assert.Equal(HttpStatusCode.BadRequest, ahead.StatusCode);
        Assert.Equal("application/problem+json", ahead.Content.Headers.ContentType?.MediaType);
        Assert.Contains("_HLS_msn", await ahead.Content.ReadAsStringAsync());

        using var partOnly = await _client.GetAsync("/hls/ll-ahead/index.m3u8?_HLS_part=1");
        Assert.Equal(HttpStatusCode.BadRequest, partOnly.StatusCode);
        Assert.Contains("_HLS_msn", await partOnly.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_preload_hinted_part_request_waits_for_the_part_and_gets_the_bytes_later_listed()
    {
        var stream = Begin("ll-hint");
        WriteUntil(stream, 2_500);
        var hint = Assert.Single(PreloadHint().Matches(await PlaylistAsync("ll-hint"))).Groups[1].Value;

        var waiting = _client.GetByteArrayAsync($"/hls/ll-hint/{hint}");
        await Task.Delay(500);
        Assert.False(waiting.IsCompleted, "the hinted part was answered before it was written");

        WriteUntil(stream, 3_000);
        var bytes = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("moof"u8.ToArray(), bytes[4..8]);
        Assert.Equal(await _client.GetByteArrayAsync($"/hls/ll-hint/{hint}"), bytes);

        // A part that will not exist for a long while (far past the one being written) is a 404 at once.
        using var missing = await _client.GetAsync($"/hls/ll-hint/p{long.Parse(hint[1..^4], CultureInfo.InvariantCulture) + 50}.m4s");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Curl_gets_a_preload_hinted_part_as_soon_as_it_is_written_with_the_bytes_later_listed()
    {
        // With CMAF a part is one moof+mdat, and the moof holds every sample's size: its bytes exist only once the part
        // closes. The server answers the hinted part from the work item that publishes it, with no second wait.
        var curl = ExternalProcess.Require("curl", "curl");
        var stream = Begin("ll-hint-curl");
        WriteUntil(stream, 2_500);
        var hint = Assert.Single(PreloadHint().Matches(await PlaylistAsync("ll-hint-curl"))).Groups[1].Value;
        var output = Path.Combine(Path.GetTempPath(), $"streamhub-hint-{Guid.NewGuid():N}.m4s");
        var headers = output + ".headers";
        try
        {
            var requested = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var run = ExternalProcess.RunAsync(curl, ["-s", "-o", output, "-D", headers, "-w", "%{http_code} %{time_starttransfer}",
                new Uri(_host.HttpBase, $"/hls/ll-hint-curl/{hint}").ToString()], TimeSpan.FromSeconds(30));
            await Task.Delay(700);
            Assert.False(run.IsCompleted, "the hinted part was answered before it was written");

            WriteUntil(stream, 3_000);
            var result = await run;
            var received = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

            var status = result.StandardOutput.Split(' ');
            Assert.Equal("200", status[0]);
            // Nothing, not even the headers, came before the part existed.
            Assert.True(double.Parse(status[1], CultureInfo.InvariantCulture) >= 0.5, $"first byte after {status[1]} s");
            var published = double.Parse(File.ReadAllLines(headers)
                .Single(l => l.StartsWith(HlsEndpoints.PublishedHeader + ":", StringComparison.OrdinalIgnoreCase))
                [(HlsEndpoints.PublishedHeader.Length + 1)..].Trim(), CultureInfo.InvariantCulture);
            Assert.InRange(published, requested, received);
            // Received (curl has even exited) within a generous bound of the part being written: the bound is for a
            // loaded CI machine, not a measurement.
            Assert.True(received - published < 1_000, $"curl had the part {received - published:0} ms after it was written");

            var bytes = await File.ReadAllBytesAsync(output);
            Assert.Equal("moof"u8.ToArray(), bytes[4..8]);
            var listed = await PlaylistAsync("ll-hint-curl");
            Assert.Contains($"URI=\"{hint}\"", listed);
            Assert.DoesNotContain($"PRELOAD-HINT:TYPE=PART,URI=\"{hint}\"", listed);
            Assert.Equal(await _client.GetByteArrayAsync($"/hls/ll-hint-curl/{hint}"), bytes);
        }
        finally
        {
            File.Delete(output);
            File.Delete(headers);
        }
    }

    [Fact]
    public async Task Delta_update_skips_segments_older_than_can_skip_until_and_lists_the_rest_as_the_full_playlist()
    {
        var stream = Begin("ll-skip");
        WriteUntil(stream, 12_500);
        var full = await PlaylistAsync("ll-skip");
        var delta = await PlaylistAsync("ll-skip", "?_HLS_skip=YES");

        var segments = Segment().Matches(full).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(10, segments.Count);
        var skipped = int.Parse(Regex.Match(delta, @"#EXT-X-SKIP:SKIPPED-SEGMENTS=(\d+)\n").Groups[1].Value, CultureInfo.InvariantCulture);
        // 1 s segments, CAN-SKIP-UNTIL=6: every segment that ends at least 6 s before the end of the playlist.
        Assert.InRange(skipped, 3, 4);
        Assert.Equal(segments[skipped..], Segment().Matches(delta).Select(m => m.Groups[1].Value).ToList());
        Assert.Equal(Tail(full, "#EXT-X-PART:"), Tail(delta, "#EXT-X-PART:"));
        Assert.Contains("#EXT-X-MAP:URI=\"init1.mp4\"\n", delta); // the init still comes before the first segment listed
        Assert.DoesNotContain("SKIP", full.Replace("CAN-SKIP-UNTIL", ""));
    }

    /// <summary>The EXT-X-PART lines of <paramref name="segment"/>: those between the previous segment's URI and its own.</summary>
    private static List<string> PartsOf(string text, string segment)
    {
        var lines = text.Split('\n');
        var end = Array.IndexOf(lines, segment);
        var start = Array.FindLastIndex(lines, end - 1, l => l.EndsWith(".m4s", StringComparison.Ordinal) && !l.StartsWith('#'));
        return lines[(start + 1)..end].Where(l => l.StartsWith("#EXT-X-PART:", StringComparison.Ordinal)).ToList();
    }

    private static string Tail(string text, string from) => text[text.IndexOf(from, StringComparison.Ordinal)..];

    [GeneratedRegex(@"#EXT-X-PRELOAD-HINT:TYPE=PART,URI=""([^""]+)""")]
    private static partial Regex PreloadHint();

    [GeneratedRegex(@"#EXT-X-PART:DURATION=([0-9.]+),URI=""([^""]+)""(,INDEPENDENT=YES)?")]
    private static partial Regex Part();

    [GeneratedRegex(@"^(s\d+\.m4s)$", RegexOptions.Multiline)]
    private static partial Regex Segment();
}
