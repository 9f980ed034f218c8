namespace StreamHub.Admission;

public static class AdmissionExtensions
{
    public static WebApplicationBuilder AddStreamAdmission(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<StreamAdmission>();
        return builder;
    }
}
