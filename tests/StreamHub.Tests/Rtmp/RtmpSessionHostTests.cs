using System.IO.Pipelines;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StreamHub.Live;
using StreamHub.Playback;
using StreamHub.Rtmp;
using StreamHub.Rtmp.Session;
using StreamHub.Tests.Admission;
using StreamHub.Tests.Infrastructure;
using StreamHub.Tests.Rtmp.Session;

namespace StreamHub.Tests.Rtmp;

/// <summary>The one host of every RTMP session, over in-memory pipes as a tunnel runs it: one opened and one closed
/// line naming the scheme, one warning per violation, the transport's own reaction, and a quiet end when the
/// transport goes.</summary>
public sealed class RtmpSessionHostTests : IDisposable
{
    private static readonly IPEndPoint Remote = new(IPAddress.Loopback, 4242);
    private readonly ListLogger<RtmpSessionHost> _logger = new();
    private readonly RtmpHeartbeat _heartbeat = new(TimeProvider.System);
    private readonly RtmpSessionHost _host;
    private readonly Pipe _toServer = new();
    private readonly Pipe _toClient = new();

    public RtmpSessionHostTests()
    {
        var registry = new LiveStreamRegistry([], TimeProvider.System);
        _host = new RtmpSessionHost(_logger, NullLogger<RtmpSession>.Instance, Options.Create(new RtmpOptions { HandshakeTimeoutSeconds = 1 }),
            registry, TestAdmission.Create(registry, new FakeStreamKeyAuthorizer()), _heartbeat,
            new PlayerRegistry(TimeProvider.System, NullLogger<PlayerRegistry>.Instance));
    }

    private TestDuplexPipe Server => new(_toServer.Reader, _toClient.Writer);

    [Fact]
    public async Task A_violation_in_a_tunnel_is_logged_once_with_its_scheme_and_just_ends_the_session()
    {
        await _toServer.Writer.WriteAsync(new byte[] { 8 }); // RTMPE type 8: refused (6, RTMPE, is served)

        await _host.RunAsync(RtmpScheme.Rtmpt, Server, "rtmpt-7", Remote, null, abort: null, CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(10));

        var lines = _logger.Lines;
        Assert.Equal(3, lines.Count);
        Assert.Equal("Information: RTMP connection rtmpt-7 opened from 127.0.0.1:4242 (rtmpt)", lines[0]);
        Assert.StartsWith("Warning: RTMP connection rtmpt-7 from 127.0.0.1:4242 broke the protocol (UnsupportedVersion)", lines[1]);
        Assert.Equal("Information: RTMP connection rtmpt-7 from 127.0.0.1:4242 closed (rtmpt)", lines[2]);
    }

    [Fact]
    public async Task A_violation_aborts_the_transport_after_its_log_line()
    {
        await _toServer.Writer.WriteAsync(new byte[] { 8 }); // RTMPE type 8: refused (6, RTMPE, is served)
        var seen = new List<(string Reason, int LinesBefore)>();

        await _host.RunAsync(RtmpScheme.Rtmps, Server, "conn-3", Remote, null,
            reason => seen.Add((reason, _logger.Lines.Count)), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        var (reason, linesBefore) = Assert.Single(seen);
        Assert.Equal("RTMP UnsupportedVersion", reason);
        Assert.Equal(2, linesBefore);
        Assert.Contains(_logger.Lines, l => l == "Information: RTMP connection conn-3 opened from 127.0.0.1:4242 (rtmps)");
    }

    [Fact]
    public async Task A_transport_that_closes_ends_the_session_quietly()
    {
        using var closed = new CancellationTokenSource();
        var violations = 0;
        var run = _host.RunAsync(RtmpScheme.Rtmp, Server, "conn-4", Remote, null, _ => violations++, closed.Token);
        await closed.CancelAsync();

        await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, violations);
        Assert.DoesNotContain(_logger.Lines, l => l.StartsWith("Warning", StringComparison.Ordinal));
        Assert.Equal("Information: RTMP connection conn-4 from 127.0.0.1:4242 closed (rtmp)", _logger.Lines[^1]);
    }

    [Fact]
    public async Task A_pipe_completed_under_the_session_ends_it_quietly()
    {
        // A closed tunnel completes the session's input reader before the session reads again.
        await _toServer.Reader.CompleteAsync();

        await _host.RunAsync(RtmpScheme.Rtmpt, Server, "rtmpt-8", Remote, null, null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.DoesNotContain(_logger.Lines, l => l.StartsWith("Warning", StringComparison.Ordinal));
        Assert.Equal("Information: RTMP connection rtmpt-8 from 127.0.0.1:4242 closed (rtmpt)", _logger.Lines[^1]);
    }

    public void Dispose() => _heartbeat.Dispose();
}
