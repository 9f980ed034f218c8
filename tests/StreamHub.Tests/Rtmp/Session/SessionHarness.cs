using System.IO.Pipelines;
using System.Net;
using Microsoft.Extensions.Logging;
using StreamHub.Live;
using StreamHub.Playback;
using StreamHub.Rtmp;
using StreamHub.Rtmp.Session;
using StreamHub.Security;
using StreamHub.StreamKeys;
using StreamHub.Tests.Admission;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Rtmp.Session;

/// <summary>An <see cref="RtmpSession"/> over an in-memory duplex pipe (no socket), a <see cref="TestRtmpClient"/> on
/// the other end, a registry with a recording sink, and a fake key table.</summary>
public sealed class SessionHarness : IAsyncDisposable
{
    private readonly CancellationTokenSource _closed = new();
    private readonly Pipe _toServer = new();
    private readonly Pipe _toClient;
    private readonly RtmpSession _session;

    public SessionHarness(RtmpOptions? options = null, LiveStreamRegistry? registry = null, RecordingMediaSink? sink = null,
        FakeStreamKeyAuthorizer? authorizer = null, Func<bool>? hasUnreadInput = null, RtmpHeartbeat? heartbeat = null,
        PipeOptions? toClient = null, AccessOptions? access = null, IPAddress? remoteIp = null, PlayerRegistry? players = null)
    {
        _toClient = new Pipe(toClient ?? PipeOptions.Default);
        Options = options ?? new RtmpOptions();
        Sink = sink ?? new RecordingMediaSink();
        Registry = registry ?? new LiveStreamRegistry([Sink], TimeProvider.System);
        Authorizer = authorizer ?? new FakeStreamKeyAuthorizer();
        Authorizer.Keys.TryAdd("key-cam1", new PublishDecision(PublishVerdict.Allowed, "cam1"));
        Authorizer.Keys.TryAdd("key-old", new PublishDecision(PublishVerdict.Expired, "old"));
        Logger = new ListLogger();
        _session = new RtmpSession(new TestDuplexPipe(_toServer.Reader, _toClient.Writer), "conn-test", "127.0.0.1:5000",
            Options, Registry, TestAdmission.Create(Registry, Authorizer, access), Logger, remoteIp, hasUnreadInput, heartbeat, players);
        Client = new TestRtmpClient(_toClient.Reader, _toServer.Writer);
        Run = Task.Run(async () =>
        {
            try
            {
                await _session.RunAsync(_closed.Token);
            }
            finally
            {
                await _session.DisposeAsync();
                await _toClient.Writer.CompleteAsync();
            }
        });
    }

    public RtmpOptions Options { get; }
    public RecordingMediaSink Sink { get; }
    public LiveStreamRegistry Registry { get; }
    public FakeStreamKeyAuthorizer Authorizer { get; }
    public ListLogger Logger { get; }
    public TestRtmpClient Client { get; }

    /// <summary>The client's ends of the pipes, for a test that speaks something other than <see cref="Client"/> over
    /// them (an RTMPE handshake, then a client of its own over the RC4 pipe).</summary>
    public PipeReader ClientInput => _toClient.Reader;
    public PipeWriter ClientOutput => _toServer.Writer;
    public RtmpSession Session => _session;

    /// <summary>The session's run: completes when it closes; faults with its protocol error.</summary>
    public Task Run { get; }

    /// <summary>Waits (bounded) for the session to end and returns its protocol error, if any.</summary>
    public async Task<RtmpProtocolException?> EndAsync(TimeSpan? timeout = null)
    {
        try
        {
            await Run.WaitAsync(timeout ?? TimeSpan.FromSeconds(10));
            return null;
        }
        catch (RtmpProtocolException ex)
        {
            return ex;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _toServer.Writer.CompleteAsync();
        _closed.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            await Run.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception ex) when (ex is RtmpProtocolException or OperationCanceledException)
        {
        }
        await Client.DisposeAsync();
        _closed.Dispose();
    }
}
