using Microsoft.Extensions.Options;
using Serilog;
using StreamHub.Diagnostics;
using StreamHub.Hls;
using StreamHub.Hosting;
using StreamHub.Live;
using StreamHub.Security;
using StreamHub.StreamKeys;

namespace StreamHub;

/// <summary>The composition root: each feature adds itself, then the listeners open.</summary>
public sealed class Program
{
    public static async Task<int> Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            // appsettings.json and wwwroot/ sit beside the binary, under `dotnet run` and in a published folder alike.
            ContentRootPath = AppContext.BaseDirectory,
        });
        Log.Logger = LoggingExtensions.CreateBootstrapLogger(builder.Configuration);

        builder.AddStreamHubLogging()
            .AddStreamHubListeners()
            .AddAdminAuthentication()
            .AddStreamKeys()
            .AddLiveStreams()
            .AddHls()
            .AddStreamHubProblemDetails()
            .AddStreamHubSwagger();

        var app = builder.Build();
        try
        {
            await app.Services.InitializeStreamKeyDatabaseAsync();
            _ = app.Services.GetRequiredService<AdminApiKey>();

            app.UseStreamHubListeners();
            app.UseSerilogRequestLogging();
            app.UseStreamHubProblemDetails();
            app.UseDefaultFiles();
            app.UseStaticFiles();
            app.UseStreamHubSwagger();

            app.MapHealthEndpoints();
            app.MapHlsEndpoints();
            app.MapGroup("/api")
                .AddEndpointFilter<AdminApiKeyFilter>()
                .MapStreamKeyEndpoints();

            await app.RunAsync();
            return 0;
        }
        catch (OptionsValidationException ex)
        {
            foreach (var failure in ex.Failures)
            {
                Log.Fatal("Bad setting, StreamHub will not start: {Failure}", failure);
            }
            return 2;
        }
        catch (IOException ex) when (ex.Message.StartsWith("Failed to bind", StringComparison.Ordinal))
        {
            var (listener, reason) = app.Services.GetRequiredService<ListenerTable>().ExplainBindFailure(ex);
            if (listener is null)
            {
                Log.Fatal("Cannot open a listener, StreamHub will not start: {Reason}", reason);
            }
            else
            {
                Log.Fatal("Cannot listen on {Address}:{Port} for {Listener}: {Reason}. Change {Setting} (0 turns that listener off) or free the port.",
                    listener.Address, listener.Port, listener.Name, reason, listener.Setting);
            }
            return 3;
        }
        finally
        {
            await Log.CloseAndFlushAsync();
        }
    }
}
