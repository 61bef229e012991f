using ToolGrains.Cli;

return await CliApp.Build().Parse(args).InvokeAsync();
