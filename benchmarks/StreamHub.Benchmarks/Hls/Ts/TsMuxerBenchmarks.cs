using System.Buffers;
using BenchmarkDotNet.Attributes;
using StreamHub.Hls.Ts;

namespace StreamHub.Benchmarks.Hls.Ts;

/// <summary>The MPEG-TS muxer: PAT/PMT, then 50 video access units (12 KB Annex B each) and 50 AAC frames (ADTS
/// header + 300 B) into a reused buffer. One operation = one 2-second-like segment's worth of PES packets.</summary>
[MemoryDiagnoser]
public class TsMuxerBenchmarks
{
    private readonly byte[] _accessUnit = new byte[12_000];
    private readonly byte[] _adts = [0xFF, 0xF1, 0x50, 0x80, 0x29, 0x7F, 0xFC];
    private readonly byte[] _aac = new byte[300];
    private readonly ArrayBufferWriter<byte> _output = new(2 * 1024 * 1024);
    private TsMuxer _muxer = null!;

    [GlobalSetup]
    public void Setup()
    {
        _accessUnit[3] = 1;
        _accessUnit[4] = 0x09; // AUD
        _muxer = new TsMuxer(hasVideo: true, hasAudio: true);
        MuxSegment();
    }

    [Benchmark]
    public int MuxSegment()
    {
        _output.ResetWrittenCount();
        _muxer.WriteTables(_output);
        for (var i = 0; i < 50; i++)
        {
            var dts = 126_000L + i * 3_600L; // 40 ms at 90 kHz
            _muxer.WriteVideo(_output, _accessUnit, dts + 3_600, dts, randomAccess: i == 0);
            _muxer.WriteAudio(_output, _adts, _aac, dts);
        }
        return _output.WrittenCount;
    }
}
