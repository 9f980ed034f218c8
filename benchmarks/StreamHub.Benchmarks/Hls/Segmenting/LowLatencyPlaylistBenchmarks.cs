using System.Buffers;
using BenchmarkDotNet.Attributes;
using StreamHub.Hls.Playlists;
using StreamHub.Hls.Segmenting;

namespace StreamHub.Benchmarks.Hls.Segmenting;

/// <summary>What the low-latency playlist costs the segmenter: a window of six 2-second segments listed part by part
/// (six 0.333 s parts each), as the segmenter drives it. One operation = one segment: five parts published one by
/// one, then the last part with the finished segment; six new playlist versions (and delta updates), each a snapshot
/// that readers take. <see cref="Watched"/>: every version's playlist and delta update are read (players on blocking
/// reloads); otherwise none is (a stream nobody watches), and its text is never written.</summary>
[MemoryDiagnoser]
public class LowLatencyPlaylistBenchmarks
{
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);
    private readonly SegmentBlockPool _pool = new();
    private SegmentWindow _window = null!;
    private long _sequence;
    private long _partNumber;

    [Params(false, true)]
    public bool Watched { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _sequence = 1_000;
        _window = new SegmentWindow(6, 2, _sequence, TimeSpan.FromSeconds(0.333));
        _partNumber = _window.FirstPartNumber;
        for (var i = 0; i < 20; i++)
        {
            OneSegment();
        }
    }

    [Benchmark]
    public int OneSegment()
    {
        var sequence = _sequence++;
        var segment = new Segment(sequence, _pool);
        var at = Start.AddSeconds(2 * (sequence - 1_000));
        _window.Open(segment, new PlaylistEntry(sequence, TimeSpan.Zero, false, at, true, 1));
        for (var index = 0; index < 6; index++)
        {
            var part = new PartialSegment(segment, new PartEntry(sequence, index, TimeSpan.FromSeconds(0.33333), index == 0, _partNumber++),
                ReadOnlySequence<byte>.Empty);
            if (index < 5)
            {
                _window.AddPart(part);
                Read();
            }
            else
            {
                segment.AddPart(part);
            }
        }
        segment.Complete(new PlaylistEntry(sequence, TimeSpan.FromSeconds(2), false, at, true, 1), ReadOnlySequence<byte>.Empty, null);
        _window.Add(segment);
        return Read();
    }

    private int Read() => Watched ? _window.Snapshot.Playlist.Length + _window.Snapshot.DeltaPlaylist.Length : 0;
}
