using System.Net;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using StreamHub.Live;
using StreamHub.Playback;
using StreamHub.Rtmp.Session;
using StreamHub.Security;
using StreamHub.StreamKeys;

namespace StreamHub.Rtmp.Tunnel;

/// <summary>RTMPT: RTMP tunnelled in HTTP POSTs, for encoders behind proxies that pass nothing but HTTP (ffmpeg's
/// <c>rtmpt://</c> and <c>rtmpts://</c>). The client opens a tunnel (<c>POST /open/1</c>, answered with its id), then
/// sends its RTMP bytes (<c>/send/{id}/{seq}</c>) and polls (<c>/idle/{id}/{seq}</c>); each answer is one byte (the
/// polling interval) followed by the server's RTMP bytes since the previous answer; <c>/close/{id}/{seq}</c> ends it.
/// Served on the HTTP and HTTPS listeners. The id works only from the address that opened the tunnel (from any other
/// it is an unknown id: 404), and logs name the tunnel <c>rtmpt-N</c>: its id, a credential, is never logged.</summary>
public static partial class RtmptEndpoints
{
    public const string ContentType = "application/x-fcs";

    /// <summary>The polling-interval byte: 1 asks the client to poll again soon.</summary>
    private static readonly byte[] PollSoon = [0x01];

    public static IEndpointRouteBuilder MapRtmptEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/open/{version}", (HttpContext context, RtmptTunnelTable tunnels, IOptions<RtmpOptions> options,
            LiveStreamRegistry registry, IStreamKeyAuthorizer authorizer, PublishPolicy policy, RtmpHeartbeat heartbeat, PlayerRegistry players, ILoggerFactory loggers) =>
        {
            var remote = new IPEndPoint(context.Connection.RemoteIpAddress ?? IPAddress.None, context.Connection.RemotePort);
            var refusal = tunnels.TryOpen(remote, out var opened);
            if (opened is not { } tunnel)
            {
                // Logged by the table and the gate at most every 10 s; the request log has them at Debug.
                return refusal == TunnelRefusal.AddressFull
                    ? Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many RTMPT tunnels are open from this address",
                        detail: "Close a tunnel before opening another (StreamHub:Limits:MaxTunnelsPerAddress).")
                    : Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Too many RTMPT tunnels are open",
                        detail: "The server holds its most tunnels (StreamHub:Limits:MaxTunnels); try again later.");
            }
            var logger = loggers.CreateLogger("StreamHub.Rtmp.Tunnel");
            var connectionId = tunnel.Name;
            var remoteText = remote.ToString();
            LogOpened(logger, connectionId, remoteText);
            _ = Task.Run(() => tunnel.RunAsync(async (pipe, closed) =>
            {
                await using var session = new RtmpSession(pipe, connectionId, remoteText, options.Value, registry, authorizer,
                    loggers.CreateLogger<RtmpSession>(), policy, remote.Address, heartbeat: heartbeat, players: players,
                    transportName: context.Request.IsHttps ? "rtmpts" : "rtmpt");
                try
                {
                    await session.RunAsync(closed);
                }
                catch (RtmpProtocolException ex)
                {
                    RtmpLog.ProtocolViolation(logger, connectionId, remoteText, ex.Error, ex.Message);
                }
                catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException or IOException)
                {
                }
                finally
                {
                    LogClosed(logger, connectionId, remoteText);
                }
            }));
            return Results.Bytes(System.Text.Encoding.ASCII.GetBytes(tunnel.Id + "\n"), ContentType);
        }).ExcludeFromDescription();

        app.MapPost("/send/{id}/{seq}", (string id, HttpContext context, RtmptTunnelTable tunnels, IOptions<RtmpOptions> options) =>
            ExchangeAsync(id, hasData: true, context, tunnels, options.Value)).ExcludeFromDescription();
        app.MapPost("/idle/{id}/{seq}", (string id, HttpContext context, RtmptTunnelTable tunnels, IOptions<RtmpOptions> options) =>
            ExchangeAsync(id, hasData: false, context, tunnels, options.Value)).ExcludeFromDescription();
        app.MapPost("/close/{id}/{seq}", async (string id, HttpContext context, RtmptTunnelTable tunnels) =>
        {
            if (tunnels.Find(id, context.Connection.RemoteIpAddress) is { } tunnel)
            {
                await tunnels.CloseAsync(tunnel);
            }
            return Results.Bytes(PollSoon, ContentType);
        }).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> ExchangeAsync(string id, bool hasData, HttpContext context, RtmptTunnelTable tunnels, RtmpOptions options)
    {
        var tunnel = tunnels.Find(id, context.Connection.RemoteIpAddress);
        if (tunnel is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such RTMPT tunnel",
                detail: "The tunnel is closed or never existed; open a new one with POST /open/1.");
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = options.MaxMessageSize * 2L;
        }
        var answer = await tunnel.ExchangeAsync(context.Request.Body, hasData, context.RequestAborted);
        if (answer.Length == 0 && tunnel.SessionEnded)
        {
            await tunnels.CloseAsync(tunnel);
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "The RTMP session has ended");
        }
        context.Response.Headers.CacheControl = "no-cache";
        var body = new byte[answer.Length + 1];
        body[0] = PollSoon[0];
        answer.CopyTo(body, 1);
        return Results.Bytes(body, ContentType);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "RTMP connection {ConnectionId} opened from {RemoteAddress} (RTMPT tunnel)")]
    private static partial void LogOpened(ILogger logger, string connectionId, string remoteAddress);

    [LoggerMessage(Level = LogLevel.Information, Message = "RTMP connection {ConnectionId} from {RemoteAddress} closed (RTMPT tunnel)")]
    private static partial void LogClosed(ILogger logger, string connectionId, string remoteAddress);
}
