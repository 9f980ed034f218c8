using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StreamHub.Cluster;
using StreamHub.Hls;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Cluster;

/// <summary>The edge cache against a real HTTP origin on loopback (Kestrel, counting what it is asked): immutable
/// answers kept until the byte budget evicts the least recently used, playlists kept for their max-age only, errors
/// passed through and not kept, a slow origin a 504 and a closed port a 502. Time for expiry is a manual clock.</summary>
public sealed class EdgeCacheTests : IAsyncLifetime
{
    private const int SegmentBytes = 3 * 1024 * 1024;
    private static readonly DateTimeOffset Publish = new(2026, 12, 2, 9, 0, 0, TimeSpan.Zero);

    private readonly ConcurrentDictionary<string, int> _asked = new();
    private readonly ManualTimeProvider _time = new(Publish);
    private readonly int _port = FreePorts.Next();
    private readonly IServiceProvider _services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
    private WebApplication _origin = null!;
    private int _playlistVersion;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, _port));
        builder.Logging.ClearProviders();
        _origin = builder.Build();
        _origin.MapGet("/hls/{name}/{file}", async (string file, HttpResponse response) =>
        {
            _asked.AddOrUpdate(file, 1, (_, n) => n + 1);
            switch (file)
            {
                case "index.m3u8":
                    response.Headers.CacheControl = "public, max-age=2";
                    response.ContentType = "application/vnd.apple.mpegurl";
                    await response.WriteAsync($"#EXTM3U\n# version {Interlocked.Increment(ref _playlistVersion)}\n");
                    return;
                case "slow.m4s":
                    await Task.Delay(TimeSpan.FromSeconds(5));
                    return;
                case var _ when file.StartsWith('s') && file.EndsWith(".m4s", StringComparison.Ordinal):
                    response.Headers.CacheControl = HlsEndpoints.SegmentCacheControl;
                    response.ContentType = HlsEndpoints.Fmp4ContentType;
                    var body = new byte[SegmentBytes];
                    Array.Fill(body, (byte)file[1]);
                    await response.Body.WriteAsync(body);
                    return;
                default:
                    response.StatusCode = StatusCodes.Status404NotFound;
                    response.Headers.CacheControl = "no-cache";
                    response.ContentType = "application/problem+json";
                    await response.WriteAsync("{\"status\":404}");
                    return;
            }
        });
        await _origin.StartAsync();
    }

    public async Task DisposeAsync() => await _origin.DisposeAsync();

    private EdgeCache Edge(double originTimeoutSeconds = 10) => new(Options.Create(new ClusterOptions
    {
        EdgeCacheMegabytes = 16,
        EdgeOriginTimeoutSeconds = originTimeoutSeconds,
    }), new HlsViewers(Options.Create(new HlsOptions()), _time), _time, NullLogger<EdgeCache>.Instance);

    private async Task<(int Status, byte[] Body, string CacheControl, string? ContentType)> GetAsync(EdgeCache edge, string file, int? port = null, string? range = null)
    {
        var context = new DefaultHttpContext { RequestServices = _services };
        context.Request.Method = HttpMethods.Get;
        context.Request.Path = $"/hls/edge/{file}";
        if (range is not null)
        {
            context.Request.Headers.Range = range;
        }
        var body = new MemoryStream();
        context.Response.Body = body;
        await edge.ServeAsync(context, "edge", $"http://127.0.0.1:{port ?? _port}", Publish);
        await context.Response.CompleteAsync();
        return (context.Response.StatusCode, body.ToArray(), context.Response.Headers.CacheControl.ToString(), context.Response.ContentType);
    }

    private int Asked(string file) => _asked.TryGetValue(file, out var n) ? n : 0;

    [Fact]
    public async Task Immutable_segments_are_fetched_once_and_the_least_recently_used_are_evicted_past_the_budget()
    {
        using var edge = Edge();
        foreach (var file in new[] { "s1.m4s", "s2.m4s", "s3.m4s", "s4.m4s" })
        {
            var answer = await GetAsync(edge, file);
            Assert.Equal(200, answer.Status);
            Assert.Equal(SegmentBytes, answer.Body.Length);
            Assert.Equal(HlsEndpoints.SegmentCacheControl, answer.CacheControl);
            Assert.Equal(HlsEndpoints.Fmp4ContentType, answer.ContentType);
            _time.Advance(TimeSpan.FromSeconds(1));
        }
        Assert.Equal((byte)'1', (await GetAsync(edge, "s1.m4s")).Body[^1]); // s1 used again: s2 is now the oldest
        Assert.Equal(1, Asked("s1.m4s"));
        _time.Advance(TimeSpan.FromSeconds(1));
        await GetAsync(edge, "s5.m4s"); // 15 MiB kept
        _time.Advance(TimeSpan.FromSeconds(1));
        await GetAsync(edge, "s6.m4s"); // 18 MiB: over the 16 MiB budget, down to 14.4 by evicting s2 then s3

        Assert.True(edge.Bytes <= 16L * 1024 * 1024 * 9 / 10, $"{edge.Bytes} bytes kept");
        await GetAsync(edge, "s1.m4s");
        await GetAsync(edge, "s4.m4s");
        await GetAsync(edge, "s6.m4s");
        Assert.Equal([1, 1, 1], new[] { Asked("s1.m4s"), Asked("s4.m4s"), Asked("s6.m4s") });
        await GetAsync(edge, "s2.m4s");
        Assert.Equal(2, Asked("s2.m4s"));
    }

    [Fact]
    public async Task A_range_is_cut_from_the_cached_segment_without_asking_the_origin_again()
    {
        using var edge = Edge();
        await GetAsync(edge, "s7.m4s");
        var part = await GetAsync(edge, "s7.m4s", range: "bytes=10-19");

        Assert.Equal(206, part.Status);
        Assert.Equal(Enumerable.Repeat((byte)'7', 10), part.Body);
        Assert.Equal(1, Asked("s7.m4s"));
    }

    [Fact]
    public async Task A_playlist_is_kept_for_its_max_age_only_and_an_error_is_passed_through_and_not_kept()
    {
        using var edge = Edge();
        var first = await GetAsync(edge, "index.m3u8");
        _time.Advance(TimeSpan.FromSeconds(1.5));
        var cached = await GetAsync(edge, "index.m3u8");
        _time.Advance(TimeSpan.FromSeconds(1));
        var refetched = await GetAsync(edge, "index.m3u8");

        Assert.Equal("public, max-age=2", first.CacheControl);
        Assert.Equal(first.Body, cached.Body);
        Assert.NotEqual(first.Body, refetched.Body);
        Assert.Equal(2, Asked("index.m3u8"));

        var missing = await GetAsync(edge, "nothing.m4s");
        await GetAsync(edge, "nothing.m4s");
        Assert.Equal(404, missing.Status);
        Assert.Equal("no-cache", missing.CacheControl);
        Assert.Equal("application/problem+json", missing.ContentType);
        Assert.Equal(2, Asked("nothing.m4s"));
    }

    [Fact]
    public async Task An_origin_that_does_not_answer_in_time_is_a_504_and_a_closed_port_a_502()
    {
        using var edge = Edge(originTimeoutSeconds: 1);
        var slow = await GetAsync(edge, "slow.m4s");
        var closed = await GetAsync(edge, "s1.m4s", port: FreePorts.Next());

        Assert.Equal(504, slow.Status);
        Assert.Contains("EdgeOriginTimeoutSeconds", System.Text.Encoding.UTF8.GetString(slow.Body));
        Assert.Equal(502, closed.Status);
        Assert.Equal(2, edge.OriginFailures);
    }
}
