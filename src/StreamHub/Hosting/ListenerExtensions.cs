using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StreamHub.Rtmp;
using StreamHub.Rtmp.Session;
using StreamHub.Rtmp.Tunnel;
using StreamHub.Security;

namespace StreamHub.Hosting;

public static partial class ListenerExtensions
{
    /// <summary>Binds the RTMP, HTTP and HTTPS listeners from settings (0 turns one off) and records them in the
    /// <see cref="ListenerTable"/>.</summary>
    public static WebApplicationBuilder AddStreamHubListeners(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ServerOptions>().BindConfiguration(ServerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<HttpOptions>().BindConfiguration(HttpOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<HttpsOptions>().BindConfiguration(HttpsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<RtmpsOptions>().BindConfiguration(RtmpsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<RtmpOptions>().BindConfiguration(RtmpOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ServerOptions>, ServerOptionsValidator>();
        builder.Services.AddSingleton<IValidateOptions<HttpsOptions>, HttpsOptionsValidator>();
        builder.Services.AddSingleton<ListenerTable>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<CertificateProvider>();
        builder.Services.AddSingleton<RtmpSessionHost>();
        builder.Services.AddSingleton<RtmpConnectionHandler>();
        builder.Services.AddSingleton(services => new RtmpHeartbeat(services.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<RtmptTunnelTable>();
        // Registered after the default socket transport, so Kestrel asks it first; it binds only the RTMP port.
        builder.Services.AddSingleton<IConnectionListenerFactory, RtmpTransportFactory>();
        ReportBindFailuresByListener(builder.Services);

        builder.WebHost.ConfigureKestrel((_, kestrel) =>
        {
            var services = kestrel.ApplicationServices;
            var server = services.GetRequiredService<IOptions<ServerOptions>>().Value;
            var rtmp = services.GetRequiredService<IOptions<RtmpOptions>>().Value;
            var http = services.GetRequiredService<IOptions<HttpOptions>>().Value;
            var https = services.GetRequiredService<IOptions<HttpsOptions>>().Value;
            var rtmps = services.GetRequiredService<IOptions<RtmpsOptions>>().Value;
            var table = services.GetRequiredService<ListenerTable>();
            var gate = services.GetRequiredService<ConnectionGate>();
            var address = IPAddress.Parse(server.BindAddress);
            var sniffLogger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RtmpSniffing).FullName!);

            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 1024 * 1024;

            if (rtmp.Port != 0)
            {
                var listener = table.Add("RTMP", "StreamHub:Rtmp:Port", server.BindAddress, rtmp.Port, "RTMP");
                kestrel.Listen(address, rtmp.Port, options =>
                {
                    options.Use(CountConnections(listener));
                    options.Use(gate.Middleware(listener.Name, ConnectionKind.Rtmp));
                    options.UseConnectionHandler<RtmpConnectionHandler>();
                });
            }
            if (rtmps.Port != 0)
            {
                var certificates = LoadedCertificates(services);
                var listener = table.Add("RTMPS", "StreamHub:Rtmps:Port", server.BindAddress, rtmps.Port, "RTMPS");
                kestrel.Listen(address, rtmps.Port, options =>
                {
                    options.Use(CountConnections(listener));
                    options.Use(gate.Middleware(listener.Name, ConnectionKind.Rtmp));
                    options.UseHttps(certificates.CreateTlsHandshakeOptions());
                    options.UseConnectionHandler<RtmpConnectionHandler>();
                });
            }
            if (http.Port != 0)
            {
                var listener = table.Add("HTTP", "StreamHub:Http:Port", server.BindAddress, http.Port,
                    Protocols("HTTP", http.AcceptRtmp ? "RTMP" : null, rtmp.AcceptTunnel ? "RTMPT" : null));
                kestrel.Listen(address, http.Port, options =>
                {
                    options.Protocols = HttpProtocols.Http1;
                    options.Use(CountConnections(listener));
                    options.Use(gate.Middleware(listener.Name, ConnectionKind.Http));
                    if (http.AcceptRtmp)
                    {
                        options.Use(RtmpSniffing.RouteRtmpByFirstByte(services.GetRequiredService<RtmpConnectionHandler>(), TimeSpan.FromSeconds(rtmp.HandshakeTimeoutSeconds), sniffLogger, gate, listener.Name));
                    }
                });
            }
            if (https.Port != 0)
            {
                var certificates = LoadedCertificates(services);
                var listener = table.Add("HTTPS", "StreamHub:Https:Port", server.BindAddress, https.Port,
                    Protocols("HTTPS", https.AcceptRtmp ? "RTMPS" : null, rtmp.AcceptTunnel ? "RTMPTS" : null));
                kestrel.Listen(address, https.Port, options =>
                {
                    options.Protocols = HttpProtocols.Http1AndHttp2;
                    options.Use(CountConnections(listener));
                    options.Use(gate.Middleware(listener.Name, ConnectionKind.Http));
                    options.UseHttps(certificates.CreateTlsHandshakeOptions());
                    if (https.AcceptRtmp)
                    {
                        options.Use(RtmpSniffing.RouteRtmpByFirstByte(services.GetRequiredService<RtmpConnectionHandler>(), TimeSpan.FromSeconds(rtmp.HandshakeTimeoutSeconds), sniffLogger, gate, listener.Name));
                    }
                });
            }
        });

        return builder;
    }

    /// <summary>Marks the listeners bound once Kestrel has started (it binds every endpoint before it reports started).</summary>
    public static WebApplication UseStreamHubListeners(this WebApplication app)
    {
        var table = app.Services.GetRequiredService<ListenerTable>();
        var rtmp = app.Services.GetRequiredService<IOptions<RtmpOptions>>().Value;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("StreamHub.Hosting.Listeners");
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            table.MarkAllBound();
            foreach (var listener in table.All)
            {
                var host = listener.Address is "0.0.0.0" or "::" ? "HOST" : listener.Address.Contains(':') ? $"[{listener.Address}]" : listener.Address;
                var url = listener.Name switch
                {
                    "RTMP" => $"rtmp://{host}:{listener.Port}/{rtmp.Application}/{{streamKey}}",
                    "RTMPS" => $"rtmps://{host}:{listener.Port}/{rtmp.Application}/{{streamKey}}",
                    "HTTPS" => $"https://{host}:{listener.Port}/",
                    _ => $"http://{host}:{listener.Port}/",
                };
                LogListening(logger, listener.Name, listener.Address, listener.Port, url, listener.Setting);
            }
            if (table.All.Count == 0)
            {
                LogNoListeners(logger);
            }
        });
        return app;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Listener} listening on {Address}:{Port}: {Url} (port set by {Setting})")]
    private static partial void LogListening(ILogger logger, string listener, string address, int port, string url, string setting);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Every listener is turned off (StreamHub:Rtmp:Port, StreamHub:Http:Port and StreamHub:Https:Port are all 0)")]
    private static partial void LogNoListeners(ILogger logger);

    /// <summary>Wraps every transport registered so far in a <see cref="ListenerBindingTransport"/>, in place, so Kestrel
    /// still asks them in the same order (the last registered first).</summary>
    private static void ReportBindFailuresByListener(IServiceCollection services)
    {
        for (var i = 0; i < services.Count; i++)
        {
            var descriptor = services[i];
            if (descriptor.ServiceType != typeof(IConnectionListenerFactory) || descriptor.IsKeyedService)
            {
                continue;
            }
            services[i] = ServiceDescriptor.Singleton<IConnectionListenerFactory>(provider => new ListenerBindingTransport(
                (IConnectionListenerFactory)(descriptor.ImplementationInstance
                    ?? descriptor.ImplementationFactory?.Invoke(provider)
                    ?? ActivatorUtilities.CreateInstance(provider, descriptor.ImplementationType!)),
                provider.GetRequiredService<ListenerTable>()));
        }
    }

    /// <summary>The certificate is loaded here, while the listeners are set up, so a pair that does not load stops
    /// start-up rather than the first handshake.</summary>
    private static CertificateProvider LoadedCertificates(IServiceProvider services)
    {
        var certificates = services.GetRequiredService<CertificateProvider>();
        _ = certificates.Current;
        return certificates;
    }

    private static string[] Protocols(params string?[] protocols) => [.. protocols.OfType<string>()];

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
