using System.Net;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace StreamHub.Rtmp.Tunnel;

/// <summary>RTMPT: RTMP tunnelled in HTTP POSTs, for encoders behind proxies that pass nothing but HTTP (ffmpeg's
/// <c>rtmpt://</c> and <c>rtmpts://</c>). The client opens a tunnel (<c>POST /open/1</c>, answered with its id), then
/// sends its RTMP bytes (<c>/send/{id}/{seq}</c>) and polls (<c>/idle/{id}/{seq}</c>); each answer is one byte (the
/// polling interval) followed by the server's RTMP bytes since the previous answer; <c>/close/{id}/{seq}</c> ends it.
/// Served on the HTTP and HTTPS listeners. The id works only from the address that opened the tunnel (from any other
/// it is an unknown id: 404), and logs name the tunnel <c>rtmpt-N</c>: its id, a credential, is never logged.</summary>
public static class RtmptEndpoints
{
    public const string ContentType = "application/x-fcs";

    /// <summary>The polling-interval byte: 1 asks the client to poll again soon.</summary>
    private static readonly byte[] PollSoon = [0x01];

    public static IEndpointRouteBuilder MapRtmptEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/open/{version}", (HttpContext context, RtmptTunnelTable tunnels, RtmpSessionHost host) =>
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
            var scheme = context.Request.IsHttps ? RtmpScheme.Rtmpts : RtmpScheme.Rtmpt;
            // The session runs past this request. There is no connection to abort (after a protocol violation, or a
            // player that fell behind): ending the session is enough, the tunnel answers what the session wrote and
            // its next request is a 404.
            _ = Task.Run(() => tunnel.RunAsync((pipe, closed) =>
                host.RunAsync(scheme, pipe, tunnel.Name, remote, hasUnreadInput: null, abort: null, closed)));
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
}
