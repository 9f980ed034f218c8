using System.Buffers;
using BenchmarkDotNet.Attributes;
using StreamHub.Rtmp.Chunking;
using StreamHub.Rtmp.Messages;

namespace StreamHub.Benchmarks.Rtmp.Chunking;

/// <summary>The chunk reader over a synthesised publish session: 100 messages (50 × 12 KB video, 50 × 300 B audio),
/// extended timestamps, at the chunk size OBS uses (4096) and the default (128). One operation = the whole session.</summary>
[MemoryDiagnoser]
public class ChunkReaderBenchmarks
{
    private byte[] _session = [];
    private ReadOnlySequence<byte> _segmented;
    private ChunkReader _reader = null!;

    [Params(128, 4096)]
    public int ChunkSize { get; set; }

    [Params(false, true)]
    public bool Segmented { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var output = new ArrayBufferWriter<byte>();
        var video = new byte[12_000];
        var audio = new byte[300];
        for (var i = 0; i < 50; i++)
        {
            var timestamp = 0x01000000u + (uint)i * 40;
            ChunkWriter.WriteMessage(output, 6, timestamp, RtmpMessageType.Video, 1, video, ChunkSize);
            ChunkWriter.WriteMessage(output, 4, timestamp, RtmpMessageType.Audio, 1, audio, ChunkSize);
        }
        _session = output.WrittenSpan.ToArray();
        _segmented = Segments(_session, 1460); // TCP-segment-sized pieces, as a socket delivers them
        _reader = new ChunkReader(8 * 1024 * 1024, 0xFFFFFF, 64);
        _reader.SetChunkSize((uint)ChunkSize);
        ReadSession();
    }

    [GlobalCleanup]
    public void Cleanup() => _reader.Dispose();

    [Benchmark]
    public long ReadSession()
    {
        var buffer = Segmented ? _segmented : new ReadOnlySequence<byte>(_session);
        long total = 0;
        while (_reader.TryRead(ref buffer, out var message))
        {
            total += message.Payload.Length;
        }
        return total;
    }

    private static ReadOnlySequence<byte> Segments(byte[] data, int size)
    {
        Segment? first = null;
        Segment? last = null;
        for (var offset = 0; offset < data.Length; offset += size)
        {
            var memory = data.AsMemory(offset, Math.Min(size, data.Length - offset));
            var segment = new Segment(memory, offset);
            first ??= segment;
            if (last is not null)
            {
                last.SetNext(segment);
            }
            last = segment;
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }
}
