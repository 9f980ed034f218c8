using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StreamHub.Live;
using StreamHub.Rtmp;
using StreamHub.Rtmp.Session;
using StreamHub.Tests.Admission;
using StreamHub.Tests.Infrastructure;
using StreamHub.Tests.Rtmp.Session;

namespace StreamHub.Tests.Rtmp;

/// <summary>The handler is where protocol errors end: one log line naming what was broken, then the connection
/// closes.</summary>
public sealed class RtmpConnectionHandlerTests
{
    [Theory]
    [InlineData(new byte[] { 8 }, "UnsupportedVersion")]
    [InlineData(new byte[] { 3 }, "HandshakeTimeout")]
    public async Task A_protocol_violation_is_logged_once_with_connection_id_address_and_reason(byte[] bytes, string reason)
    {
        var logger = new ListLogger<RtmpSessionHost>();
        using var heartbeat = new RtmpHeartbeat(TimeProvider.System);
        var registry = new LiveStreamRegistry([], TimeProvider.System);
        var options = Options.Create(new RtmpOptions { HandshakeTimeoutSeconds = 1 });
        var handler = new RtmpConnectionHandler(new RtmpSessionHost(logger, NullLogger<RtmpSession>.Instance,
            options, registry,
            TestAdmission.Create(registry, new FakeStreamKeyAuthorizer()), heartbeat,
            new StreamHub.Playback.PlayerRegistry(TimeProvider.System, NullLogger<StreamHub.Playback.PlayerRegistry>.Instance)), options);
        var toServer = new Pipe();
        var toClient = new Pipe();
        var connection = new DefaultConnectionContext("conn-9",
            new TestDuplexPipe(toServer.Reader, toClient.Writer), new TestDuplexPipe(toClient.Reader, toServer.Writer))
        {
            RemoteEndPoint = new IPEndPoint(IPAddress.Loopback, 4242),
        };
        await toServer.Writer.WriteAsync(bytes);

        await handler.OnConnectedAsync(connection).WaitAsync(TimeSpan.FromSeconds(10));

        var warning = Assert.Single(logger.Lines, l => l.StartsWith("Warning", StringComparison.Ordinal));
        Assert.Contains(reason, warning);
        Assert.Contains("conn-9", warning);
        Assert.Contains("127.0.0.1:4242", warning);
        Assert.Contains(logger.Lines, l => l.Contains("opened from 127.0.0.1:4242"));
        Assert.Contains(logger.Lines, l => l.Contains("conn-9 from 127.0.0.1:4242 closed (rtmp)"));
    }
}
