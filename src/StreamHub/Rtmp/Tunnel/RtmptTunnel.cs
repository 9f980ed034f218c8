using System.IO.Pipelines;
using System.Net;
using StreamHub.Rtmp.Session;

namespace StreamHub.Rtmp.Tunnel;

/// <summary>One RTMPT client: an <see cref="RtmpSession"/> running over two in-memory pipes. HTTP POST bodies are
/// written into the session's input; each response carries whatever the session has written since the last one.</summary>
public sealed class RtmptTunnel : IAsyncDisposable, IDuplexPipe
{
    private static readonly PipeOptions Buffers = new(pauseWriterThreshold: 4 * 1024 * 1024, resumeWriterThreshold: 2 * 1024 * 1024,
        useSynchronizationContext: false);

    private readonly Pipe _toSession = new(Buffers);
    private readonly Pipe _toClient = new(Buffers);
    private readonly CancellationTokenSource _closed = new();
    private readonly SemaphoreSlim _exchange = new(1, 1);
    private long _lastActivity;

    public RtmptTunnel(string id, string name, IPEndPoint remote, TimeProvider time)
    {
        Id = id;
        Name = name;
        Remote = remote;
        Time = time;
        Touch();
    }

    /// <summary>The session id: the tunnel's credential in every request URL, so never logged.</summary>
    public string Id { get; }

    /// <summary>What logs call this tunnel's connection (<c>rtmpt-N</c>): not a secret.</summary>
    public string Name { get; }

    public IPEndPoint Remote { get; }
    private TimeProvider Time { get; }

    /// <summary>Set when the session has ended: what it wrote is still delivered, then the id is forgotten.</summary>
    public bool SessionEnded { get; private set; }

    public CancellationToken Closed => _closed.Token;

    PipeReader IDuplexPipe.Input => _toSession.Reader;
    PipeWriter IDuplexPipe.Output => _toClient.Writer;

    public TimeSpan Idle => Time.GetElapsedTime(Interlocked.Read(ref _lastActivity));

    public void Touch() => Interlocked.Exchange(ref _lastActivity, Time.GetTimestamp());

    /// <summary>Runs the session until it ends; returns when it has.</summary>
    public async Task RunAsync(Func<IDuplexPipe, CancellationToken, Task> session)
    {
        try
        {
            await session(this, _closed.Token);
        }
        finally
        {
            SessionEnded = true;
            await _toClient.Writer.CompleteAsync();
            await _toSession.Reader.CompleteAsync();
        }
    }

    /// <summary>One request: its body goes to the session, the session's pending output comes back. Requests of one
    /// client are handled one at a time, in order.</summary>
    public async Task<byte[]> ExchangeAsync(Stream body, bool hasData, CancellationToken cancellationToken)
    {
        await _exchange.WaitAsync(cancellationToken);
        try
        {
            Touch();
            if (hasData && !SessionEnded)
            {
                await body.CopyToAsync(_toSession.Writer, cancellationToken);
                await _toSession.Writer.FlushAsync(cancellationToken);
                // Give the session a moment to answer what it was just sent, saving the client a poll.
                await Task.Delay(5, cancellationToken);
            }
            return Drain();
        }
        finally
        {
            _exchange.Release();
        }
    }

    private byte[] Drain()
    {
        var reader = _toClient.Reader;
        if (!reader.TryRead(out var result))
        {
            return [];
        }
        var bytes = System.Buffers.BuffersExtensions.ToArray(result.Buffer);
        reader.AdvanceTo(result.Buffer.End);
        return bytes;
    }

    public async ValueTask DisposeAsync()
    {
        await _closed.CancelAsync();
        await _toSession.Writer.CompleteAsync();
        _closed.Dispose();
        _exchange.Dispose();
    }
}
