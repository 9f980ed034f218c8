namespace StreamHub.Playback;

public static class PlaybackExtensions
{
    public static WebApplicationBuilder AddPlayback(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<PlayerRegistry>();
        return builder;
    }
}
