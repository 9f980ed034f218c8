using System.Buffers;
using Microsoft.AspNetCore.Connections;

namespace StreamHub.Hosting;

/// <summary>Receive buffers for the RTMP port: 64 KiB from the shared array pool, where Kestrel's own pool hands out
/// 4 KiB blocks. Kestrel receives into whatever is left of the current block (at least 2 KiB), so with its blocks a
/// publisher's media arrives in reads of a couple of KiB, several receive calls per write the encoder makes; with
/// these, about one call per write, and receive calls are much of the CPU an RTMP connection costs (measured in
/// benchmarks/README.md). Each connection holds one or two buffers (64–128 KiB) while it is being read.</summary>
public sealed class RtmpReceiveBufferPool : MemoryPool<byte>, IMemoryPoolFactory<byte>
{
    public const int BufferSize = 64 * 1024;

    public override int MaxBufferSize => BufferSize;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1) =>
        new Buffer(ArrayPool<byte>.Shared.Rent(Math.Max(BufferSize, minBufferSize)));

    MemoryPool<byte> IMemoryPoolFactory<byte>.Create(MemoryPoolOptions? options) => this;

    protected override void Dispose(bool disposing)
    {
        // The arrays belong to the shared pool; nothing is held here.
    }

    private sealed class Buffer(byte[] array) : IMemoryOwner<byte>
    {
        private byte[]? _array = array;

        public Memory<byte> Memory => _array ?? throw new ObjectDisposedException(nameof(RtmpReceiveBufferPool));

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _array, null) is { } array)
            {
                ArrayPool<byte>.Shared.Return(array);
            }
        }
    }
}
