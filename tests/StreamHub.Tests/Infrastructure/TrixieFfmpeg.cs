namespace StreamHub.Tests.Infrastructure;

/// <summary>FFmpeg 7.1 from a Debian 13 ("trixie") root that .ci/run builds with debootstrap and keeps outside the
/// clone: Debian 12's ffmpeg 5.1 cannot send HEVC or AV1 over Enhanced RTMP. Its ffmpeg and ffprobe run through
/// <c>chroot ROOT</c> (so the tests need root, as .ci/run does); they share the host's loopback, so they reach a test
/// host at rtmp://127.0.0.1:PORT. A missing root fails the test with a message saying to run .ci/run.</summary>
public static class TrixieFfmpeg
{
    /// <summary>Where the root is when the variable is not set; .ci/run uses the same default.</summary>
    public const string DefaultRoot = "/var/cache/streamhub/trixie-ffmpeg";

    public const string RootVariable = "STREAMHUB_TRIXIE_ROOT";

    /// <summary>Written by .ci/run after the root's ffmpeg ran, last of all before the root is moved into place.</summary>
    public const string VersionMarker = "streamhub-ffmpeg-version";

    /// <summary>SVT-AV1 (2.3.0 in Debian 13) for a test clip: the fastest preset, and one level of parallelism. With
    /// more (its default on this 2-core machine is 2) it is not deterministic: two encodes of the same clip differ, and
    /// a clip of ten seconds or more often has a temporal unit that neither dav1d nor libaom decodes ("Invalid data" a
    /// few frames after a keyframe), written so by the encoder before any server sees it; in a browser that is
    /// MEDIA_ERR_DECODE. <c>lp</c> is SVT-AV1 2.x's name for the setting; <c>level_of_parallelism</c> is 3.x's, which
    /// 2.3.0 rejects ("Error parsing option") and then encodes on with its default.</summary>
    public static readonly string[] Av1Encoder = ["-c:v", "libsvtav1", "-preset", "12", "-svtav1-params", "lp=1"];

    /// <summary>x265 for a test clip: the fastest preset, without its thread pool (which also avoids "Failed to genrate
    /// CPU mask" in a chroot without /sys), so one thread and the same bytes every time.</summary>
    public static readonly string[] HevcEncoder = ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "pools=none:log-level=error"];

    public static string Root => Environment.GetEnvironmentVariable(RootVariable) is { Length: > 0 } root ? root : DefaultRoot;

    /// <summary>The root, after checking that it is complete and that this process may chroot into it.</summary>
    public static string RequireRoot()
    {
        var root = Root;
        if (!File.Exists(Path.Combine(root, VersionMarker)) || !File.Exists(Path.Combine(root, "usr/bin/ffmpeg")))
        {
            Assert.Fail($"No Debian 13 ffmpeg root at {root} ({RootVariable} overrides the path): run .ci/run, which builds it " +
                "once with debootstrap (two to three minutes, ~640 MB).");
        }
        if (Environment.UserName != "root")
        {
            Assert.Fail($"The Debian 13 ffmpeg runs through chroot, which needs root; run the tests as root (as .ci/run does with sudo).");
        }
        return root;
    }

    /// <summary>The first line of <c>ffmpeg -version</c>, as .ci/run recorded it.</summary>
    public static string Version => File.ReadAllText(Path.Combine(RequireRoot(), VersionMarker)).Trim();

    /// <summary>Runs <paramref name="tool"/> (ffmpeg or ffprobe) from the root to completion, with a hard limit.</summary>
    public static Task<ExternalProcess.Result> RunAsync(string tool, IEnumerable<string> arguments, TimeSpan timeout) =>
        ExternalProcess.RunAsync(Chroot, Arguments(tool, arguments), timeout);

    /// <summary>Starts <paramref name="tool"/> from the root alongside the test; disposing kills it.</summary>
    public static BackgroundProcess Start(string name, string tool, IEnumerable<string> arguments) =>
        BackgroundProcess.Start(name, Chroot, Arguments(tool, arguments));

    private static string Chroot => ExternalProcess.Require("chroot", "coreutils");

    private static IEnumerable<string> Arguments(string tool, IEnumerable<string> arguments) =>
        [RequireRoot(), "/usr/bin/" + tool, .. arguments];
}
