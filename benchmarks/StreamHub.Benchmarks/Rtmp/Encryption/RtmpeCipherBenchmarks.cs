using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;
using StreamHub.Rtmp.Encryption;

namespace StreamHub.Benchmarks.Rtmp.Encryption;

/// <summary>What RTMPE costs an ingest: one operation is ONE SECOND of a 2.7 Mbit/s stream (337,500 bytes), so the mean
/// time per operation divided by one second is the share of a core RC4 takes for that stream.
/// <list type="bullet">
/// <item><c>Transform</c>: RC4 alone over the second's bytes, in socket-sized reads.</item>
/// <item><c>ReadThroughPipe</c>: the way the session gets them: written into a <see cref="Pipe"/> in socket-sized pieces and
/// read through <see cref="RtmpeReader"/>, which deciphers in place (allocated bytes per operation: the "no allocation
/// per read" check).</item>
/// </list></summary>
[MemoryDiagnoser]
public class RtmpeCipherBenchmarks
{
    private const int BytesPerSecond = 2_700_000 / 8;

    private readonly byte[] _second = new byte[BytesPerSecond];
    private Rc4 _cipher = null!;
    private Pipe _pipe = null!;
    private RtmpeReader _reader = null!;

    /// <summary>Bytes per socket read: a TCP segment, and what Kestrel's socket reads hand over under load.</summary>
    [Params(1460, 65536)]
    public int ReadSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        new Random(1).NextBytes(_second);
        _cipher = new Rc4(Convert.FromHexString("00112233445566778899aabbccddeeff"));
        _pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
        _reader = new RtmpeReader(_pipe.Reader, new Rc4(Convert.FromHexString("00112233445566778899aabbccddeeff")));
        ReadThroughPipe();
    }

    [Benchmark(Baseline = true)]
    public int Transform()
    {
        var span = _second.AsSpan();
        for (var at = 0; at < span.Length; at += ReadSize)
        {
            _cipher.Transform(span.Slice(at, Math.Min(ReadSize, span.Length - at)));
        }
        return _second[0];
    }

    [Benchmark]
    public long ReadThroughPipe()
    {
        long total = 0;
        var writer = _pipe.Writer;
        for (var at = 0; at < _second.Length; at += ReadSize)
        {
            var length = Math.Min(ReadSize, _second.Length - at);
            _second.AsSpan(at, length).CopyTo(writer.GetSpan(length));
            writer.Advance(length);
            // Synchronous here: no pause threshold, no reader waiting, so the flush completes at once.
            _ = writer.FlushAsync().GetAwaiter().GetResult();
            if (_reader.TryRead(out var result))
            {
                total += result.Buffer.Length;
                _reader.AdvanceTo(result.Buffer.End);
            }
        }
        return total;
    }
}
