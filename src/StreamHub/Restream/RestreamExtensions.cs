using Microsoft.Extensions.DependencyInjection.Extensions;

namespace StreamHub.Restream;

public static class RestreamExtensions
{
    /// <summary>The pusher: <see cref="IRestreamControl"/>, started and stopped with the host. The targets come from
    /// the <see cref="IRestreamTargetStore"/> registered (none: nothing is pushed).</summary>
    public static WebApplicationBuilder AddRestreamPusher(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<RestreamOptions>().BindConfiguration(RestreamOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddSingleton<RestreamPusher>();
        builder.Services.AddSingleton<IRestreamControl>(services => services.GetRequiredService<RestreamPusher>());
        builder.Services.AddHostedService(services => services.GetRequiredService<RestreamPusher>());
        return builder;
    }
}
