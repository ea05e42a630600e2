utils.openUrl("/apps/home", { newTab: false });
