using System.Buffers;
using System.Buffers.Binary;
using StreamHub.Hls.Fmp4;
using StreamHub.Media;
using StreamHub.Recording;

namespace StreamHub.Tests.Recording;

/// <summary>Reading a recording back from its boxes (tracks, fragment times and byte ranges), a file cut short, a
/// hostile sample count, and the VOD playlist made from it.</summary>
public sealed class RecordingReaderTests : IDisposable
{
    private static readonly byte[] AvcRecord = Convert.FromHexString(
        "0164000AFFE100186764000AACD94426C044000003000400000300F03C48965801000668EBE3CB22C0FDF8F800");
    private static readonly byte[] AacConfig = [0x12, 0x08];
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"streamhub-reader-{Guid.NewGuid():N}-20261202-101500.mp4");

    /// <summary>Three one-second GOPs at 25 fps with AAC, cut at each keyframe as the recorder cuts them.</summary>
    private static byte[] ThreeSecondRecording(out long initLength, out List<long> fragmentOffsets)
    {
        Assert.True(Fmp4Track.TryCreateAvc(AvcRecord, out var video));
        Assert.True(Fmp4Track.TryCreateAac(AacConfig, out var audio));
        using var writer = new Fmp4SegmentWriter(video, audio);
        var output = new ArrayBufferWriter<byte>();
        writer.WriteInitSegment(output);
        initLength = output.WrittenCount;
        fragmentOffsets = [];
        var held = new List<MediaFrame>();
        long audioDts = 0;
        for (var frame = 0; frame < 75; frame++)
        {
            var dts = frame * 40L;
            if (frame % 25 == 0 && frame > 0)
            {
                fragmentOffsets.Add(output.WrittenCount);
                writer.WriteFragment(output, dts);
                held.ForEach(f => f.Release());
                held.Clear();
            }
            var v = MediaFrame.Create([0, 0, 0, 1, 0x65], MediaKind.Video, MediaFrameKind.Coded, dts, 0, frame % 25 == 0, VideoCodec.H264);
            writer.Add(v);
            held.Add(v);
            while (audioDts <= dts)
            {
                var a = MediaFrame.Create([0x21, 0x10], MediaKind.Audio, MediaFrameKind.Coded, audioDts, audioCodec: AudioCodec.Aac);
                writer.Add(a);
                held.Add(a);
                audioDts += 23;
            }
        }
        fragmentOffsets.Add(output.WrittenCount);
        writer.WriteFragment(output, 3000);
        held.ForEach(f => f.Release());
        return output.WrittenSpan.ToArray();
    }

    [Fact]
    public void The_tracks_and_every_fragments_time_and_bytes_are_read_back()
    {
        var bytes = ThreeSecondRecording(out var initLength, out var offsets);
        File.WriteAllBytes(_path, bytes);

        var info = RecordingReader.Read(_path);

        Assert.Equal(["h264", "aac"], info.Codecs);
        Assert.Equal(initLength, info.InitLength);
        Assert.Equal(new DateTimeOffset(2026, 12, 2, 10, 15, 0, TimeSpan.Zero), info.Start);
        Assert.Equal(offsets, info.Fragments.Select(f => f.Offset));
        Assert.Equal([0.0, 1.0, 2.0], info.Fragments.Select(f => f.Start));
        Assert.All(info.Fragments, f => Assert.Equal(1.0, f.Duration, 6));
        Assert.All(info.Fragments, f => Assert.True(f.Independent));
        Assert.Equal(3.0, info.DurationSeconds, 6);
        Assert.Equal(bytes.Length, info.PlayableBytes);
    }

    [Fact]
    public void A_file_cut_short_mid_fragment_lists_only_its_whole_fragments()
    {
        var bytes = ThreeSecondRecording(out _, out var offsets);
        File.WriteAllBytes(_path, bytes[..(int)(offsets[2] + 40)]);

        var info = RecordingReader.Read(_path);

        Assert.Equal(2, info.Fragments.Count);
        Assert.Equal(offsets[2], info.PlayableBytes);
        Assert.Equal(2.0, info.DurationSeconds, 6);
    }

    [Fact]
    public void A_trun_claiming_more_samples_than_it_holds_reads_only_those_present()
    {
        var bytes = ThreeSecondRecording(out _, out var offsets);
        var moof = bytes.AsSpan((int)offsets[0], (int)(offsets[1] - offsets[0])).ToArray();
        var trun = moof.AsSpan().IndexOf("trun"u8);
        BinaryPrimitives.WriteUInt32BigEndian(moof.AsSpan(trun + 8), uint.MaxValue);

        var runs = Mp4Boxes.ReadFragment(moof);

        Assert.Equal(25, runs.Single(r => r.TrackId == Fmp4Track.VideoTrackId).Samples);
    }

    [Fact]
    public void The_vod_playlist_joins_fragments_into_two_second_byte_ranges_with_the_init_segment_as_its_map()
    {
        var bytes = ThreeSecondRecording(out var initLength, out var offsets);
        File.WriteAllBytes(_path, bytes);

        var playlist = RecordingPlaylist.Write(RecordingReader.Read(_path), "r.mp4?sig=x", finished: true);

        Assert.Equal(
            "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n" +
            $"#EXT-X-MAP:URI=\"r.mp4?sig=x\",BYTERANGE=\"{initLength}@0\"\n" +
            $"#EXTINF:2.000,\n#EXT-X-BYTERANGE:{offsets[2] - offsets[0]}@{offsets[0]}\nr.mp4?sig=x\n" +
            $"#EXTINF:1.000,\n#EXT-X-BYTERANGE:{bytes.Length - offsets[2]}@{offsets[2]}\nr.mp4?sig=x\n" +
            "#EXT-X-ENDLIST\n", playlist);
    }

    public void Dispose() => File.Delete(_path);
}
