using Microsoft.Extensions.Options;
using Serilog;
using StreamHub.Admission;
using StreamHub.Cluster;
using StreamHub.Diagnostics;
using StreamHub.Diagnostics.Metrics;
using StreamHub.Diagnostics.Probe;
using StreamHub.Hls;
using StreamHub.Hosting;
using StreamHub.Live;
using StreamHub.Pages;
using StreamHub.Playback;
using StreamHub.Playback.HttpFlv;
using StreamHub.Recording;
using StreamHub.Restream;
using StreamHub.Rtmp.Tunnel;
using StreamHub.Security;
using StreamHub.StreamKeys;

namespace StreamHub;

/// <summary>The composition root: each feature adds itself, then the listeners open.</summary>
public sealed class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is [ProbeCommand.Name, .. var probeArgs])
        {
            return await ProbeCommand.RunAsync(probeArgs, Console.Out);
        }
        InlineSocketCompletions.EnableForServerProcess();

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            // appsettings.json and wwwroot/ sit beside the binary, under `dotnet run` and in a published folder alike.
            ContentRootPath = AppContext.BaseDirectory,
        });
        Log.Logger = LoggingExtensions.CreateBootstrapLogger(builder.Configuration);

        builder.AddStreamHubLogging()
            .AddStreamHubListeners()
            .AddStreamHubSecurity()
            .AddStreamKeys()
            .AddCluster()
            .AddRestreamTargets()
            .AddLiveStreams()
            .AddStreamAdmission()
            .AddPlayback()
            .AddHls()
            .AddRestreamPusher()
            .AddRecording()
            .AddStreamHubProblemDetails()
            .AddStreamHubSwagger()
            .AddStreamHubMetrics();

        try
        {
            var app = builder.Build();
            var listeners = app.Services.GetRequiredService<ListenerTable>();
            if (listeners.FindUnbindable() is { } unbindable)
            {
                LogCannotListen(unbindable.Listener, unbindable.Reason);
                return 3;
            }

            await app.Services.InitializeStreamKeyDatabaseAsync();
            await app.Services.InitializeRestreamKeyRingAsync();
            _ = app.Services.GetRequiredService<AdminApiKey>();
            _ = app.Services.GetRequiredService<ClusterMetrics>();

            app.UseStreamHubListeners();
            app.UseSerilogRequestLogging(options =>
            {
                options.GetLevel = RequestLogLevels.For;
                options.GetMessageTemplateProperties = RequestLogProperties.For;
            });
            app.UseStreamHubProblemDetails();
            app.UseStreamHubSecurity();
            app.UseClusterPlayback();
            app.UseDefaultFiles();
            app.UseStaticFiles();
            app.UseStreamHubSwagger();

            app.MapHealthEndpoints();
            app.MapAcmeChallengeEndpoint();
            app.MapMetricsEndpoint();
            app.MapPageEndpoints();
            app.MapHlsEndpoints();
            app.MapHttpFlvEndpoints();
            app.MapRecordingFiles();
            app.MapRewindEndpoints();
            if (app.Services.GetRequiredService<IOptions<StreamHub.Rtmp.RtmpOptions>>().Value.AcceptTunnel)
            {
                app.MapRtmptEndpoints();
            }
            app.MapGroup("/api")
                .RequireRateLimiting(SecurityExtensions.AdminRateLimitPolicy)
                .AddEndpointFilter<AdminApiKeyFilter>()
                .MapStreamKeyEndpoints()
                .MapRestreamTargetEndpoints()
                .MapRecordingEndpoints()
                .MapDiagnosticsEndpoints()
                .MapClusterEndpoints();

            await app.RunAsync();
            return 0;
        }
        catch (OptionsValidationException ex)
        {
            foreach (var failure in ex.Failures)
            {
                Log.ForContext("SourceContext", "StreamHub.Startup").Fatal("Bad setting, StreamHub will not start: {Failure}", failure);
            }
            return 2;
        }
        catch (DatabaseUnreachableException ex)
        {
            Log.ForContext("SourceContext", "StreamHub.Startup").Fatal("Cannot reach the database at {Host}: {Reason}. Check {Setting} and that the database server is running.",
                ex.Host, ex.Reason, ex.Setting);
            return 4;
        }
        catch (ListenerBindException ex)
        {
            LogCannotListen(ex.Listener, ex.Reason);
            return 3;
        }
        catch (Exception ex) when (ex is not HostAbortedException)
        {
            Log.ForContext("SourceContext", "StreamHub.Startup").Fatal(ex, "StreamHub stopped: {Reason}", ex.Message);
            return 1;
        }
        finally
        {
            await Log.CloseAndFlushAsync();
        }
    }

    private static void LogCannotListen(Listener listener, string reason) =>
        Log.ForContext("SourceContext", "StreamHub.Startup").Fatal("Cannot listen on {Address}:{Port} for {Listener}: {Reason}. Change {Setting} (0 turns that listener off) or free the port.",
            listener.Address, listener.Port, listener.Name, reason, listener.Setting);
}
