using System.IO.Pipelines;

namespace StreamHub.Rtmp.Encryption;

/// <summary>Encrypts an RTMPE connection's output in place: the caller writes into the underlying writer's own memory,
/// and <see cref="Advance"/> enciphers exactly the bytes it commits, in the order they are committed (the order the
/// peer deciphers them in). No copy, no allocation per write.</summary>
public sealed class RtmpeWriter(PipeWriter inner, Rc4 cipher) : PipeWriter
{
    private Memory<byte> _lent;

    public override Memory<byte> GetMemory(int sizeHint = 0) => _lent = inner.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => (_lent = inner.GetMemory(sizeHint)).Span;

    public override void Advance(int bytes)
    {
        cipher.Transform(_lent.Span[..bytes]);
        _lent = default;
        inner.Advance(bytes);
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

    public override void CancelPendingFlush() => inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

    public override long UnflushedBytes => inner.UnflushedBytes;
}
