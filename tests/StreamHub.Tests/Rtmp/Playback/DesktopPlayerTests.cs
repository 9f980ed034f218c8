using System.Buffers.Binary;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Rtmp.Playback;

/// <summary>The desktop players the README sends a viewer to for the lowest latency: mpv plays the live stream over
/// RTMP and over HTTP-FLV and shows its pictures (written out, one image per frame, by its image output), and VLC reads
/// it over both (its stream output written to a file that ffprobe reads back).</summary>
[Collection(PlaybackCollection.Name)]
public sealed class DesktopPlayerTests(PlaybackServerFixture fixture)
{
    private const int Frames = 30;

    [Theory]
    [InlineData("rtmp")]
    [InlineData("http-flv")]
    public async Task Mpv_shows_the_live_streams_pictures(string way)
    {
        var url = Url(way);
        var folder = Directory.CreateTempSubdirectory("streamhub-mpv-").FullName;
        try
        {
            var result = await ExternalProcess.RunAsync(ExternalProcess.Require("mpv", "mpv"),
                ["--no-config", "--msg-level=all=warn", "--ao=null", "--vo=image", "--vo-image-format=png",
                 $"--vo-image-outdir={folder}", $"--frames={Frames}", url], PlaybackServerFixture.ClientLimit);

            Assert.True(result.ExitCode == 0, $"mpv on {url} exited {result.ExitCode}:\n{result.Output}");
            var pictures = Directory.GetFiles(folder, "*.png").Order().ToArray();
            Assert.True(pictures.Length == Frames, $"mpv showed {pictures.Length} pictures of {Frames}:\n{result.Output}");
            var (width, height) = PngSize(await File.ReadAllBytesAsync(pictures[^1]));
            Assert.Equal((320, 240), (width, height));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("rtmp")]
    [InlineData("http-flv")]
    public async Task Vlc_reads_the_live_stream(string way)
    {
        var url = Url(way);
        var folder = Directory.CreateTempSubdirectory("streamhub-vlc-").FullName;
        try
        {
            var file = Path.Combine(folder, "played.ts");
            string[] vlc = ["-I", "dummy", "--aout=dummy", "--run-time=4", "--play-and-exit",
                $"--sout=#std{{access=file,mux=ts,dst={file}}}", url, "vlc://quit"];
            var result = await RunVlcAsync(vlc, folder);

            Assert.True(result.ExitCode == 0, $"VLC on {url} exited {result.ExitCode}:\n{result.Output}");
            Assert.True(File.Exists(file), $"VLC wrote nothing from {url}:\n{result.Output}");
            var probe = await ExternalProcess.RunAsync(ExternalProcess.Require("ffprobe", "ffmpeg"),
                ["-v", "error", "-select_streams", "v:0", "-count_packets", "-show_entries", "stream=codec_name,width,height,nb_read_packets",
                 "-of", "csv=p=0", file], TimeSpan.FromSeconds(30));
            // The transport stream's program lists the stream again: the first line is enough.
            var fields = probe.StandardOutput.Trim().Split('\n')[0].Split(',');
            Assert.True(fields.Length == 4, $"ffprobe of what VLC wrote: {probe.Output}\nVLC: {result.Output}");
            Assert.Equal(("h264", "320", "240"), (fields[0], fields[1], fields[2]));
            // Four seconds at 30 fps, after the GOP cache (up to a second more); VLC starts its clock when it opens the stream.
            Assert.InRange(int.Parse(fields[3]), 60, 160);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>VLC refuses to run as root: there (CI's containers) it runs as nobody, with a home of its own.</summary>
    private static Task<ExternalProcess.Result> RunVlcAsync(string[] arguments, string folder)
    {
        var cvlc = ExternalProcess.Require("cvlc", "vlc-bin vlc-plugin-base");
        var home = Path.Combine(folder, "home");
        Directory.CreateDirectory(home);
        if (Environment.UserName != "root")
        {
            return ExternalProcess.RunAsync("/usr/bin/env", [$"HOME={home}", cvlc, .. arguments], PlaybackServerFixture.ClientLimit);
        }
        foreach (var path in new[] { folder, home })
        {
            File.SetUnixFileMode(path, (UnixFileMode)0b111_111_111);
        }
        return ExternalProcess.RunAsync(ExternalProcess.Require("runuser", "util-linux"),
            ["-u", "nobody", "--", "/usr/bin/env", $"HOME={home}", cvlc, .. arguments], PlaybackServerFixture.ClientLimit);
    }

    private string Url(string way) => way == "rtmp"
        ? fixture.PlayUrl()
        : $"http://127.0.0.1:{fixture.Server.HttpPort}/flv/{fixture.Name}.flv";

    /// <summary>Width and height from a PNG's IHDR chunk, which follows the 8-byte signature.</summary>
    private static (int Width, int Height) PngSize(byte[] png)
    {
        Assert.True(png.Length > 24 && png.AsSpan(12, 4).SequenceEqual("IHDR"u8), "not a PNG");
        return (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
    }
}
