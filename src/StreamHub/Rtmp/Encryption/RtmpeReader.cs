using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StreamHub.Rtmp.Encryption;

/// <summary>Decrypts an RTMPE connection's input in place, in the underlying reader's buffers: each read deciphers the
/// bytes that arrived since the last one, and the caller sees (and advances over) the same buffer the socket filled.
/// No copy, no allocation per read (a read that has to wait completes through a pooled builder).</summary>
public sealed class RtmpeReader(PipeReader inner, Rc4 cipher) : PipeReader
{
    // How many bytes at the start of the unconsumed input are already deciphered; the rest of a read's buffer is new.
    private long _deciphered;
    private ReadOnlySequence<byte> _lastBuffer;

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        var read = inner.ReadAsync(cancellationToken);
        return read.IsCompletedSuccessfully ? new ValueTask<ReadResult>(Decipher(read.Result)) : ReadPendingAsync(read);
    }

    public override bool TryRead(out ReadResult result)
    {
        if (inner.TryRead(out result))
        {
            result = Decipher(result);
            return true;
        }
        return false;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        _deciphered -= _lastBuffer.Slice(_lastBuffer.Start, consumed).Length;
        _lastBuffer = default;
        inner.AdvanceTo(consumed, examined);
    }

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> ReadPendingAsync(ValueTask<ReadResult> read) => Decipher(await read.ConfigureAwait(false));

    private ReadResult Decipher(ReadResult result)
    {
        var buffer = result.Buffer;
        _lastBuffer = buffer;
        if (buffer.Length > _deciphered)
        {
            foreach (var segment in buffer.Slice(_deciphered))
            {
                // The bytes are the pipe's own and nobody else reads them: deciphering where they lie saves a copy.
                cipher.Transform(MemoryMarshal.AsMemory(segment).Span);
            }
            _deciphered = buffer.Length;
        }
        return result;
    }
}
