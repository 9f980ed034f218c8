using Microsoft.Extensions.DependencyInjection;
using StreamHub.Diagnostics.Metrics;
using StreamHub.Hls;
using StreamHub.Hosting;
using StreamHub.Live;
using StreamHub.Media;

namespace StreamHub.Tests.Live;

/// <summary>The fan-out of a frame, with the stats and the Prometheus metrics being collected, allocates nothing.</summary>
public sealed class LiveStreamAllocationTests
{
    [Fact]
    public void Writing_frames_with_metrics_listened_to_allocates_nothing_per_frame()
    {
        var collection = new ServiceCollection().AddMetrics().AddLogging().AddSingleton(TimeProvider.System)
            .AddSingleton<ListenerTable>().AddSingleton<HlsViewers>().AddSingleton<HlsPackager>().AddSingleton<StreamHub.Playback.PlayerRegistry>()
            .AddSingleton<StreamHubMetrics>().AddSingleton<PrometheusExporter>()
            .AddSingleton(sp => new LiveStreamRegistry([], TimeProvider.System, sp.GetRequiredService<StreamHubMetrics>()));
        collection.AddOptions<HlsOptions>();
        using var services = collection.BuildServiceProvider();
        var exporter = services.GetRequiredService<PrometheusExporter>();
        var registry = services.GetRequiredService<LiveStreamRegistry>();
        Assert.True(registry.TryBeginPublish("alloc", new PublisherInfo("c", "127.0.0.1:1", null), out var stream));
        var video = MediaFrame.Create(new byte[4000], MediaKind.Video, MediaFrameKind.Coded, 0, videoCodec: VideoCodec.H264, isKeyframe: true);
        var audio = MediaFrame.Create(new byte[300], MediaKind.Audio, MediaFrameKind.Coded, 0, audioCodec: AudioCodec.Aac);

        for (var i = 0; i < 2_000; i++)
        {
            stream.Write(video);
            stream.Write(audio);
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 20_000; i++)
        {
            stream.Write(video);
            stream.Write(audio);
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Contains("streamhub_ingest_frames_total{kind=\"video\",stream=\"alloc\"} 22000", exporter.Scrape());
        registry.EndPublish(stream);
        video.Release();
        audio.Release();
    }
}
