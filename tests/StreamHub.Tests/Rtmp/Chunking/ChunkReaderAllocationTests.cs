using System.Buffers;
using StreamHub.Rtmp.Chunking;
using StreamHub.Rtmp.Messages;

namespace StreamHub.Tests.Rtmp.Chunking;

/// <summary>The chunk reader allocates nothing per chunk (or per message) once its reassembly buffers have grown.</summary>
public sealed class ChunkReaderAllocationTests
{
    /// <summary>A publish-like session: interleaved 12 KB video and 300-byte audio messages at chunk size 128 (so
    /// ~100 fmt-3 continuation chunks a video message), timestamps past 0xFFFFFF so continuations carry the extended
    /// field.</summary>
    public static byte[] SynthesizeSession(int messages, out int chunks)
    {
        var output = new ArrayBufferWriter<byte>();
        var video = new byte[12_000];
        var audio = new byte[300];
        chunks = 0;
        for (var i = 0; i < messages; i++)
        {
            var timestamp = 0x01000000u + (uint)i * 40;
            ChunkWriter.WriteMessage(output, 6, timestamp, RtmpMessageType.Video, 1, video, 128);
            ChunkWriter.WriteMessage(output, 4, timestamp, RtmpMessageType.Audio, 1, audio, 128);
            chunks += (video.Length + 127) / 128 + (audio.Length + 127) / 128;
        }
        return output.WrittenSpan.ToArray();
    }

    [Fact]
    public void Steady_state_reading_allocates_nothing_per_chunk()
    {
        var session = SynthesizeSession(50, out var chunks);
        using var reader = new ChunkReader(8 * 1024 * 1024, 0xFFFFFF, 64);
        long bytes = 0;
        for (var i = 0; i < 5; i++)
        {
            Drain(reader, session, ref bytes); // warm-up: chunk streams created, reassembly buffers grown, JIT tiers settled
        }

        // Best of three windows: a one-off runtime event (a tier-1 re-JIT landing mid-window when the whole suite runs
        // in parallel) can show up once; an allocation per chunk or per message shows up in every window.
        const int rounds = 20;
        var allocated = long.MaxValue;
        for (var window = 0; window < 3; window++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var round = 0; round < rounds; round++)
            {
                Drain(reader, session, ref bytes);
            }
            allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.True(bytes > 0);
        Assert.True(allocated == 0, $"{allocated} bytes allocated over {rounds * chunks} chunks ({rounds * 100} messages)");
    }

    private static void Drain(ChunkReader reader, byte[] session, ref long bytes)
    {
        var buffer = new ReadOnlySequence<byte>(session);
        while (reader.TryRead(ref buffer, out var message))
        {
            bytes += message.Payload.Length;
        }
        Assert.True(buffer.IsEmpty);
    }
}
