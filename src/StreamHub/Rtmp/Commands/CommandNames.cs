namespace StreamHub.Rtmp.Commands;

/// <summary>Command and data message names on the publish and play paths (RTMP 1.0 §7.2; FMLE/OBS/FFmpeg extras).</summary>
public static class CommandNames
{
    public const string Connect = "connect";
    public const string Result = "_result";
    public const string Error = "_error";
    public const string OnStatus = "onStatus";
    public const string ReleaseStream = "releaseStream";
    public const string FcPublish = "FCPublish";
    public const string FcUnpublish = "FCUnpublish";
    public const string CreateStream = "createStream";
    public const string DeleteStream = "deleteStream";
    public const string CloseStream = "closeStream";
    public const string Publish = "publish";
    public const string GetStreamLength = "getStreamLength";
    public const string Play = "play";
    public const string Pause = "pause";
    public const string RtmpSampleAccess = "|RtmpSampleAccess";
    public const string SetDataFrame = "@setDataFrame";
    public const string OnMetaData = "onMetaData";
}
