namespace StreamHub.Recording;

public static class RecordingExtensions
{
    /// <summary>The recorder (a hosted service) and the recordings on disk.</summary>
    public static WebApplicationBuilder AddRecording(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<RecordingOptions>().BindConfiguration(RecordingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<RecordingStore>();
        builder.Services.AddSingleton<RecordingLinks>();
        builder.Services.AddSingleton<RecordingDisk>();
        builder.Services.AddSingleton<Recorder>();
        builder.Services.AddHostedService(services => services.GetRequiredService<Recorder>());
        return builder;
    }
}
