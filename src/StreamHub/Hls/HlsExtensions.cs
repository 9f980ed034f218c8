using Microsoft.Extensions.DependencyInjection.Extensions;
using StreamHub.Hls.Segmenting;
using StreamHub.Live;

namespace StreamHub.Hls;

public static class HlsExtensions
{
    /// <summary>HLS packaging: options from <c>StreamHub:Hls</c> (validated at start-up), the segment block pool
    /// (trimmed once a minute) and the packager as a live stream sink.</summary>
    public static WebApplicationBuilder AddHls(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<HlsOptions>().BindConfiguration(HlsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton(services =>
            new SegmentBlockPool(SegmentBlockPool.DefaultMaxFreeBlocks, services.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<HlsPackager>();
        builder.Services.AddSingleton<HlsViewers>();
        builder.Services.AddSingleton(services => new WaitDeadlines(services.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<IMediaSink>(services => services.GetRequiredService<HlsPackager>());
        return builder;
    }
}
