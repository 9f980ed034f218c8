using StreamHub.Hls;
using StreamHub.Hls.Playlists;
using StreamHub.Live;
using StreamHub.Media.Av1;
using StreamHub.Media.Avc;
using StreamHub.Media.Hevc;
using StreamHub.Tests.Hls.Fmp4;

namespace StreamHub.Tests.Hls;

/// <summary>The multivariant playlist's CODECS from real sequence headers (ffmpeg's libx264, libx265 and libsvtav1
/// write them into an MP4's avcC, hvcC and av1C), and the playlist's text.</summary>
public sealed class StreamVariantTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("streamhub-variant-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task H264_high_profile_level_3_1_is_avc1_64001F()
    {
        var record = await ConfigurationAsync("h264", "avcC", ["-c:v", "libx264", "-profile:v", "high", "-level", "3.1"]);
        Assert.True(AvcDecoderConfiguration.TryParse(record, out var avc));
        Assert.Equal("avc1.64001F,mp4a.40.2", StreamVariant.Codecs(new TrackInfo("H264", avc.CodecString), new TrackInfo("Aac", "mp4a.40.2")));
    }

    [Fact]
    public async Task Hevc_main_profile_level_3_1_is_hvc1_1_6_L93_90()
    {
        // Main profile (general_profile_idc 1, compatibility flags 1 and 2, reversed: 6), main tier level 3.1 (93),
        // constraint byte 0x90 (progressive_source and frame_only).
        var record = await ConfigurationAsync("hevc", "hvcC",
            ["-c:v", "libx265", "-x265-params", "log-level=error:level-idc=31", "-tag:v", "hvc1"]);
        Assert.True(HevcDecoderConfiguration.TryParse(record, out var hevc));
        Assert.Equal("hvc1.1.6.L93.90", StreamVariant.Codecs(new TrackInfo("Hevc", hevc.CodecString), null));
    }

    [Fact]
    public async Task Av1_main_profile_8_bit_is_av01_0_LLM_08()
    {
        var record = await ConfigurationAsync("av1", "av1C", ["-c:v", "libsvtav1", "-preset", "12"]);
        Assert.True(Av1CodecConfiguration.TryParse(record, out var av1));
        Assert.Matches(@"^av01\.0\.\d\dM\.08,mp4a\.40\.2$", StreamVariant.Codecs(new TrackInfo("Av1", av1.CodecString), new TrackInfo("Aac", "mp4a.40.2")));
    }

    [Fact]
    public void Codecs_leave_out_what_hls_does_not_package()
    {
        Assert.Equal("mp4a.40.2", StreamVariant.Codecs(new TrackInfo("Vp9", null), new TrackInfo("Aac", "mp4a.40.2")));
        Assert.Equal("avc1.42C01E", StreamVariant.Codecs(new TrackInfo("H264", "avc1.42C01E"), new TrackInfo("Opus", null)));
        Assert.Null(StreamVariant.Codecs(null, null));
    }

    [Fact]
    public void The_playlist_lists_one_variant_with_every_attribute_known_and_leaves_out_the_unknown()
    {
        Assert.Equal(
            "#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-INDEPENDENT-SEGMENTS\n" +
            "#EXT-X-STREAM-INF:BANDWIDTH=1234567,AVERAGE-BANDWIDTH=1000000,CODECS=\"avc1.64001F,mp4a.40.2\",RESOLUTION=1280x720,FRAME-RATE=29.970\n" +
            "index.m3u8\n",
            MultivariantPlaylistWriter.Write(9, new Variant(1_234_567, 1_000_000, "avc1.64001F,mp4a.40.2", 1280, 720, 29.97, "index.m3u8")));
        Assert.Equal(
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-STREAM-INF:BANDWIDTH=6000000\nindex.m3u8\n",
            MultivariantPlaylistWriter.Write(3, new Variant(StreamVariant.UnmeasuredBandwidth, null, null, null, null, null, "index.m3u8")));
    }

    private async Task<byte[]> ConfigurationAsync(string name, string box, string[] encoder)
    {
        var bytes = await Fmp4Golden.FfmpegAsync(_directory, $"{name}.mp4",
            ["-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-t", "1", "-pix_fmt", "yuv420p", .. encoder]);
        return Fmp4File.Read(bytes).Trak(1).Find(box).BodyBytes;
    }
}
