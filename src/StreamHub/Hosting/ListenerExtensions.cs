using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using StreamHub.Rtmp;

namespace StreamHub.Hosting;

public static class ListenerExtensions
{
    /// <summary>Binds the RTMP, HTTP and HTTPS listeners from settings (0 turns one off) and records them in the
    /// <see cref="ListenerTable"/>.</summary>
    public static WebApplicationBuilder AddStreamHubListeners(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ServerOptions>().BindConfiguration(ServerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<HttpOptions>().BindConfiguration(HttpOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<HttpsOptions>().BindConfiguration(HttpsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<RtmpOptions>().BindConfiguration(RtmpOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ServerOptions>, ServerOptionsValidator>();
        builder.Services.AddSingleton<IValidateOptions<HttpsOptions>, HttpsOptionsValidator>();
        builder.Services.AddSingleton<ListenerTable>();
        builder.Services.AddSingleton<CertificateProvider>();
        builder.Services.AddSingleton<RtmpConnectionHandler>();

        builder.WebHost.ConfigureKestrel((_, kestrel) =>
        {
            var services = kestrel.ApplicationServices;
            var server = services.GetRequiredService<IOptions<ServerOptions>>().Value;
            var rtmp = services.GetRequiredService<IOptions<RtmpOptions>>().Value;
            var http = services.GetRequiredService<IOptions<HttpOptions>>().Value;
            var https = services.GetRequiredService<IOptions<HttpsOptions>>().Value;
            var table = services.GetRequiredService<ListenerTable>();
            var address = IPAddress.Parse(server.BindAddress);

            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 1024 * 1024;

            if (rtmp.Port != 0)
            {
                var listener = table.Add("RTMP", "StreamHub:Rtmp:Port", server.BindAddress, rtmp.Port, "RTMP");
                kestrel.Listen(address, rtmp.Port, options =>
                {
                    options.Use(CountConnections(listener));
                    options.UseConnectionHandler<RtmpConnectionHandler>();
                });
            }
            if (http.Port != 0)
            {
                var listener = table.Add("HTTP", "StreamHub:Http:Port", server.BindAddress, http.Port, "HTTP");
                kestrel.Listen(address, http.Port, options =>
                {
                    options.Protocols = HttpProtocols.Http1;
                    options.Use(CountConnections(listener));
                });
            }
            if (https.Port != 0)
            {
                var certificates = services.GetRequiredService<CertificateProvider>();
                var listener = table.Add("HTTPS", "StreamHub:Https:Port", server.BindAddress, https.Port, "HTTPS");
                kestrel.Listen(address, https.Port, options =>
                {
                    options.Protocols = HttpProtocols.Http1AndHttp2;
                    options.Use(CountConnections(listener));
                    options.UseHttps(certificates.GetCertificate());
                });
            }
        });

        return builder;
    }

    /// <summary>Marks the listeners bound once Kestrel has started (it binds every endpoint before it reports started).</summary>
    public static WebApplication UseStreamHubListeners(this WebApplication app)
    {
        var table = app.Services.GetRequiredService<ListenerTable>();
        app.Lifetime.ApplicationStarted.Register(table.MarkAllBound);
        return app;
    }

    private static Func<ConnectionDelegate, ConnectionDelegate> CountConnections(Listener listener) => next => async connection =>
    {
        listener.ConnectionOpened();
        try
        {
            await next(connection);
        }
        finally
        {
            listener.ConnectionClosed();
        }
    };
}
