using Microsoft.AspNetCore.Http;
using Serilog.Events;
using StreamHub.Diagnostics;

namespace StreamHub.Tests.Diagnostics;

public sealed class RequestLogLevelsTests
{
    private static DefaultHttpContext Context(string path, int status, bool aborted)
    {
        var context = new DefaultHttpContext();
        context.Request.Path = path;
        context.Response.StatusCode = status;
        if (aborted)
        {
            using var cancelled = new CancellationTokenSource();
            cancelled.Cancel();
            context.RequestAborted = cancelled.Token;
        }
        return context;
    }

    [Fact]
    public void A_blocking_reload_whose_player_left_is_debug_not_an_error()
    {
        Assert.Equal(LogEventLevel.Debug, RequestLogLevels.For(Context("/hls/s/index.m3u8", 503, aborted: true), 2_000, null));
    }

    [Fact]
    public void A_blocking_reload_that_timed_out_with_its_player_still_there_is_an_error()
    {
        Assert.Equal(LogEventLevel.Error, RequestLogLevels.For(Context("/hls/s/index.m3u8", 503, aborted: false), 6_000, null));
    }

    [Fact]
    public void A_server_error_elsewhere_whose_client_left_is_still_an_error()
    {
        Assert.Equal(LogEventLevel.Error, RequestLogLevels.For(Context("/api/streams", 500, aborted: true), 5, null));
    }
}
