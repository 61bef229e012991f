using ToolGrains.Silo;

// Settings ship beside the binary; relative paths in them (DataDir, ToolsDir) are relative to the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
if (!builder.TryValidateToolGrainsConfiguration()) return 2;
builder.AddToolGrainsSilo();

var app = builder.Build();
app.MapToolGrainsEndpoints();
await app.RunAsync();
return 0;
