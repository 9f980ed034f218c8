using StreamHub.Hls.Fmp4;
using StreamHub.Media;
using StreamHub.Tests.Hls.Support;

namespace StreamHub.Tests.Hls.Fmp4;

/// <summary>HEVC (libx265, B-frames) and AV1 (SVT-AV1) as an Enhanced RTMP publisher would send them. ffmpeg 5.1
/// cannot publish either over RTMP, so the publisher's side is taken from ffmpeg's own CMAF output: its hvcC/av1C
/// (the E-RTMP sequence header payload is that record) and its samples (DTS, composition offset, keyframe flag,
/// payload at 25 fps, whole milliseconds). Our writer gets those frames; the result is compared with ffmpeg's file
/// box by box and decoded by ffmpeg. ffmpeg also writes <c>fiel</c>, <c>pasp</c> and <c>udta</c>, and its encoder's name
/// as the sample entry's compressorname; we do not.</summary>
public sealed class Fmp4HevcAv1GoldenTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("streamhub-fmp4-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public Task Hevc_matches_ffmpeg_and_decodes() => RoundTripAsync("hevc", "hvc1", "hvcC", VideoCodec.Hevc,
        ["-c:v", "libx265", "-x265-params", "log-level=error:bframes=2:keyint=25:min-keyint=25:scenecut=0", "-tag:v", "hvc1"]);

    [Fact]
    public Task Av1_matches_ffmpeg_and_decodes() => RoundTripAsync("av1", "av01", "av1C", VideoCodec.Av1,
        ["-c:v", "libsvtav1", "-g", "25", "-preset", "12"]);

    private async Task RoundTripAsync(string name, string entry, string configBox, VideoCodec codec, string[] encoder)
    {
        var ffmpegBytes = await Fmp4Golden.FfmpegAsync(_directory, $"ffmpeg-{name}.mp4",
            ["-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-t", "2", "-pix_fmt", "yuv420p", .. encoder]);
        var ffmpeg = Fmp4File.Read(ffmpegBytes);
        var record = ffmpeg.Trak(1).Find(configBox).BodyBytes;
        var frames = Fmp4Golden.VideoFrames(ffmpeg, codec);
        var sequenceHeader = MediaFrame.Create(record, MediaKind.Video, MediaFrameKind.SequenceHeader, 0, videoCodec: codec);
        Assert.True(Fmp4Track.TryCreate(sequenceHeader, out var track)); // the size read from the record: 320x240
        Assert.Equal((320, 240), (track.Width, track.Height));
        var ourBytes = Fmp4Golden.Write(frames, track, null);
        var ours = Fmp4File.Read(ourBytes);

        var ourInit = ours.Boxes.Where(b => b.Type is "ftyp" or "moov").ToList();
        var ffmpegInit = ffmpeg.Boxes.Where(b => b.Type is "ftyp" or "moov").ToList();
        Assert.Equal(Mp4Box.Tree(ffmpegInit, "udta", "fiel", "pasp"), Mp4Box.Tree(ourInit));
        Assert.Equal(ffmpegInit[0].Bytes, ourInit[0].Bytes); // ftyp, with av01 among the brands for AV1
        // The sample entry's fields but compressorname, where ffmpeg names its encoder ("Lavc59.37.100 libx265");
        // ours is empty, as in ffmpeg's stream copy of the H.264 clip.
        var ourEntry = ours.Trak(1).Find(entry).Body[..78].ToArray();
        var ffmpegEntry = ffmpeg.Trak(1).Find(entry).Body[..78].ToArray();
        Assert.Equal(ffmpegEntry[..42], ourEntry[..42]);
        Assert.Equal(ffmpegEntry[74..], ourEntry[74..]);
        Assert.All(ourEntry[42..74], b => Assert.Equal(0, b));
        Assert.Equal(ffmpeg.Trak(1).Find(configBox).Bytes, ours.Trak(1).Find(configBox).Bytes);
        foreach (var type in new[] { "tkhd", "mdhd", "hdlr", "vmhd", "dref" })
        {
            Assert.Equal(ffmpeg.Trak(1).Find(type).Bytes, ours.Trak(1).Find(type).Bytes);
        }

        Assert.Equal(Fmp4Golden.Describe(ffmpeg, 1), Fmp4Golden.Describe(ours, 1));
        Assert.Equal(ffmpeg.Fragments.Count, ours.Fragments.Count);
        for (var i = 0; i < ours.Fragments.Count; i++)
        {
            Assert.Equal(ffmpeg.Fragments[i].Mdat.BodyBytes, ours.Fragments[i].Mdat.BodyBytes);
        }

        var path = await Fmp4Golden.WriteFileAsync(_directory, $"ours-{name}.mp4", ourBytes);
        var stream = Assert.Single(await MediaTools.ProbeStreamsAsync(path));
        Assert.Equal(name, stream.GetProperty("codec_name").GetString());
        Assert.Equal(320, stream.GetProperty("width").GetInt32());
        Assert.Equal(240, stream.GetProperty("height").GetInt32());
        Assert.Equal(frames.Count.ToString(), stream.GetProperty("nb_read_frames").GetString());
        await Fmp4Golden.AssertDecodesCleanlyAsync(path);
    }
}
