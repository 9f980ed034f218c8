using System.Buffers;
using System.IO.Pipelines;
using StreamHub.Rtmp.Encryption;

namespace StreamHub.Tests.Rtmp.Encryption;

/// <summary>The RC4 pipe over in-memory pipes with small segments: every byte deciphered exactly once, whatever the
/// reads, the partial consumption and the segment boundaries.</summary>
public sealed class RtmpeDuplexPipeTests
{
    private static readonly byte[] Key = Convert.FromHexString("00112233445566778899aabbccddeeff");

    [Fact]
    public async Task Reads_decipher_each_byte_once_across_segments_and_partial_consumption()
    {
        var plain = new byte[20_000];
        new Random(5).NextBytes(plain);
        var wire = plain.ToArray();
        new Rc4(Key).Transform(wire);

        var pipe = new Pipe(new PipeOptions(minimumSegmentSize: 512, pauseWriterThreshold: 0));
        var reader = new RtmpeReader(pipe.Reader, new Rc4(Key));
        var received = new List<byte>();
        var written = 0;
        var random = new Random(9);
        while (received.Count < plain.Length)
        {
            if (written < wire.Length)
            {
                var n = Math.Min(random.Next(1, 3000), wire.Length - written);
                await pipe.Writer.WriteAsync(wire.AsMemory(written, n));
                written += n;
            }
            var result = await reader.ReadAsync();
            var buffer = result.Buffer;
            // Take about half of what is there, say all of it was examined: the rest comes back with the next read.
            var take = buffer.Length == 1 ? 1 : buffer.Length / 2;
            if (written == wire.Length)
            {
                take = buffer.Length;
            }
            received.AddRange(buffer.Slice(0, take).ToArray());
            reader.AdvanceTo(buffer.GetPosition(take), buffer.End);
        }
        Assert.Equal(plain, received.ToArray());
    }

    [Fact]
    public async Task Nothing_consumed_then_read_again_is_not_deciphered_twice()
    {
        var plain = "the same bytes, read twice"u8.ToArray();
        var wire = plain.ToArray();
        new Rc4(Key).Transform(wire);
        var pipe = new Pipe();
        var reader = new RtmpeReader(pipe.Reader, new Rc4(Key));
        await pipe.Writer.WriteAsync(wire.AsMemory(0, 10));
        var first = await reader.ReadAsync();
        Assert.Equal(plain[..10], first.Buffer.ToArray());
        reader.AdvanceTo(first.Buffer.Start, first.Buffer.End);
        await pipe.Writer.WriteAsync(wire.AsMemory(10));
        Assert.True(reader.TryRead(out var second));
        Assert.Equal(plain, second.Buffer.ToArray());
    }

    [Fact]
    public async Task Writes_are_enciphered_in_the_order_they_are_committed()
    {
        var pipe = new Pipe();
        var writer = new RtmpeWriter(pipe.Writer, new Rc4(Key));
        var plain = new byte[9000];
        new Random(1).NextBytes(plain);
        writer.Write(plain.AsSpan(0, 100));                    // GetSpan + Advance
        var memory = writer.GetMemory(5000);
        plain.AsSpan(100, 5000).CopyTo(memory.Span);
        writer.Advance(4000);                                   // commits only part of what it asked for
        await writer.WriteAsync(plain.AsMemory(4100));          // the rest
        await writer.FlushAsync();
        await writer.CompleteAsync();

        var wire = new List<byte>();
        while (true)
        {
            var result = await pipe.Reader.ReadAsync();
            wire.AddRange(result.Buffer.ToArray());
            pipe.Reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }
        var bytes = wire.ToArray();
        Assert.NotEqual(plain, bytes);
        new Rc4(Key).Transform(bytes);
        Assert.Equal(plain, bytes);
    }
}
