using Microsoft.Extensions.DependencyInjection.Extensions;
using StreamHub.Live;

namespace StreamHub.Hls;

public static class HlsExtensions
{
    /// <summary>HLS packaging: options from <c>StreamHub:Hls</c> (validated at start-up) and the packager as a live
    /// stream sink.</summary>
    public static WebApplicationBuilder AddHls(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<HlsOptions>().BindConfiguration(HlsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<HlsPackager>();
        builder.Services.AddSingleton<HlsViewers>();
        builder.Services.AddSingleton<IMediaSink>(services => services.GetRequiredService<HlsPackager>());
        return builder;
    }
}
