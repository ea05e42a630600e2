utils.openUrl("/", { newTab: false });
