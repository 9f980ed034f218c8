namespace StreamHub.Tests.Hls.Players;

/// <summary>The web HLS players the tests run in Chromium, each from the npm registry (package.json beside this file).</summary>
public enum HlsPlayer
{
    HlsJs,
    Shaka,
    VideoJs,
}
