namespace StreamHub.Live;

public static class LiveExtensions
{
    public static WebApplicationBuilder AddLiveStreams(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<LiveOptions>().BindConfiguration(LiveOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<LiveStreamRegistry>();
        return builder;
    }
}
