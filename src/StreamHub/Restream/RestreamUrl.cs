using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace StreamHub.Restream;

/// <summary>Where a target is pushed: scheme, host, port and RTMP application, parsed from the URL a platform gives
/// (rtmp://a.rtmp.youtube.com/live2). Pure: no I/O, no DNS.</summary>
/// <remarks>
/// Two ways to split a URL, as the two clients streamers know do it:
/// <list type="bullet">
/// <item><b>Server URL, key apart</b> (OBS's "Server" and "Stream Key" fields; OBS's librtmp RTMP_ParseURL): the
/// application is the whole path after the host, less one trailing slash, so
/// <c>rtmps://live-api-s.facebook.com:443/rtmp/</c> gives "rtmp".</item>
/// <item><b>Full URL with the key at the end</b> (ffmpeg, libavformat/rtmpproto.c rtmp_open): one path element is
/// the application alone; two are application and key; with three or more the application is the first two
/// ("app/instance") and the key the rest, unless the second holds a ':' (a "mp4:name" play path), when the application
/// is the first alone. The key keeps its query string: rtmp://live.twitch.tv/app/live_123?bandwidthtest=true gives
/// application "app" and key "live_123?bandwidthtest=true".</item>
/// </list>
/// </remarks>
public sealed record RestreamUrl(RestreamScheme Scheme, string Host, int Port, string Application)
{
    public const string RtmpScheme = "rtmp";
    public const string RtmpsScheme = "rtmps";
    public const int DefaultRtmpPort = 1935;
    public const int DefaultRtmpsPort = 443;
    public const int MaxLength = 2048;
    public const int MaxHostLength = 253;
    public const int MaxApplicationLength = 256;

    public string SchemeName => Scheme == RestreamScheme.Rtmps ? RtmpsScheme : RtmpScheme;

    public int DefaultPort => DefaultPortOf(Scheme);

    /// <summary>The URL as the API shows it: never with a key, the port only when it is not the scheme's default.</summary>
    public override string ToString()
    {
        var host = Host.Contains(':') ? $"[{Host}]" : Host;
        var port = Port == DefaultPort ? "" : ":" + Port.ToString(CultureInfo.InvariantCulture);
        return $"{SchemeName}://{host}{port}/{Application}";
    }

    public static int DefaultPortOf(RestreamScheme scheme) => scheme == RestreamScheme.Rtmps ? DefaultRtmpsPort : DefaultRtmpPort;

    /// <summary>A server URL whose key is given apart (OBS's split). <paramref name="error"/> says what is wrong in
    /// words that never repeat the URL (it may hold a key).</summary>
    public static bool TryParseServer(string? url, [NotNullWhen(true)] out RestreamUrl? result, [NotNullWhen(false)] out string? error)
    {
        result = null;
        if (!TrySplitAuthority(url, out var scheme, out var host, out var port, out var path, out error))
        {
            return false;
        }
        var application = path.EndsWith('/') ? path[..^1] : path;
        if (!TryCheckApplication(application, out error))
        {
            return false;
        }
        result = new RestreamUrl(scheme, host, port, application);
        return true;
    }

    /// <summary>A full URL with the key at the end (ffmpeg's split). False with <paramref name="keyMissing"/> set when
    /// the URL is valid but carries no key.</summary>
    public static bool TryParseWithKey(string? url, [NotNullWhen(true)] out RestreamUrl? result, [NotNullWhen(true)] out string? key,
        out bool keyMissing, [NotNullWhen(false)] out string? error)
    {
        result = null;
        key = null;
        keyMissing = false;
        if (!TrySplitAuthority(url, out var scheme, out var host, out var port, out var path, out error))
        {
            return false;
        }
        var first = path.IndexOf('/');
        string application;
        if (first < 0)
        {
            application = path;
            key = "";
        }
        else
        {
            var second = path.IndexOf('/', first + 1);
            var colon = path.IndexOf(':', first + 1);
            if (second < 0 || (colon >= 0 && colon < second))
            {
                application = path[..first];
                key = path[(first + 1)..];
            }
            else
            {
                application = path[..second];
                key = path[(second + 1)..];
            }
        }
        if (!TryCheckApplication(application, out error))
        {
            key = null;
            return false;
        }
        if (key.Length == 0)
        {
            key = null;
            keyMissing = true;
            error = "The URL has no stream key at its end; give the key in \"key\", or the full URL rtmp://host/app/KEY.";
            return false;
        }
        result = new RestreamUrl(scheme, host, port, application);
        return true;
    }

    private static bool TrySplitAuthority(string? url, out RestreamScheme scheme, out string host, out int port, out string path,
        [NotNullWhen(false)] out string? error)
    {
        scheme = RestreamScheme.Rtmp;
        host = "";
        port = 0;
        path = "";
        if (string.IsNullOrWhiteSpace(url))
        {
            error = "The URL is required, e.g. rtmp://a.rtmp.youtube.com/live2.";
            return false;
        }
        url = url.Trim();
        if (url.Length > MaxLength)
        {
            error = $"The URL is {url.Length} characters; at most {MaxLength} are allowed.";
            return false;
        }
        var separator = url.IndexOf("://", StringComparison.Ordinal);
        var schemeText = separator < 0 ? "" : url[..separator];
        if (schemeText.Equals(RtmpScheme, StringComparison.OrdinalIgnoreCase))
        {
            scheme = RestreamScheme.Rtmp;
        }
        else if (schemeText.Equals(RtmpsScheme, StringComparison.OrdinalIgnoreCase))
        {
            scheme = RestreamScheme.Rtmps;
        }
        else
        {
            error = separator < 0 || schemeText.Length > 16 || !schemeText.All(char.IsAsciiLetterOrDigit)
                ? "The URL must start with rtmp:// or rtmps://."
                : $"The scheme '{schemeText}' is not supported: use rtmp:// or rtmps://.";
            return false;
        }
        var rest = url[(separator + 3)..];
        var end = rest.IndexOfAny(['/', '?', '#']);
        var authority = end < 0 ? rest : rest[..end];
        path = end < 0 ? "" : rest[end] == '/' ? rest[(end + 1)..] : rest[end..];
        if (authority.Contains('@'))
        {
            error = "User names and passwords in the URL are not supported; put the platform's key in \"key\".";
            return false;
        }
        string portText;
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']');
            host = close < 0 ? "" : authority[1..close];
            portText = close < 0 ? "" : authority[(close + 1)..];
            if (close < 0 || Uri.CheckHostName(host) != UriHostNameType.IPv6 || (portText.Length > 0 && portText[0] != ':'))
            {
                error = "The URL's host is not a valid IPv6 address in brackets.";
                return false;
            }
        }
        else
        {
            var colon = authority.IndexOf(':');
            host = colon < 0 ? authority : authority[..colon];
            portText = colon < 0 ? "" : authority[colon..];
        }
        if (host.Length == 0)
        {
            error = "The URL has no host, e.g. rtmp://a.rtmp.youtube.com/live2.";
            return false;
        }
        if (host.Length > MaxHostLength || Uri.CheckHostName(host) == UriHostNameType.Unknown)
        {
            error = "The URL's host is not a valid host name or IP address.";
            return false;
        }
        port = DefaultPortOf(scheme);
        if (portText.Length > 0)
        {
            var digits = portText[1..];
            if (digits.Length == 0 || digits.Length > 5 || !digits.All(char.IsAsciiDigit)
                || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
            {
                error = $"The URL's port '{(digits.Length > 12 ? digits[..12] + "…" : digits)}' is not a number from 1 to 65535.";
                return false;
            }
        }
        if (path.Contains('#'))
        {
            error = "The URL must not have a fragment (#).";
            return false;
        }
        error = null;
        return true;
    }

    private static bool TryCheckApplication(string application, [NotNullWhen(false)] out string? error)
    {
        if (application.Length == 0 || application.StartsWith('?'))
        {
            error = "The URL has no application after the host, e.g. rtmp://a.rtmp.youtube.com/live2.";
            return false;
        }
        if (application.Length > MaxApplicationLength)
        {
            error = $"The URL's application is {application.Length} characters; at most {MaxApplicationLength} are allowed.";
            return false;
        }
        if (application.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            error = "The URL must not contain spaces or control characters.";
            return false;
        }
        error = null;
        return true;
    }
}
