<App>
  <Include src="./functions.rsx" />
  <Frame id="$main" isHiddenOnDesktop={false} isHiddenOnMobile={false} padding="8px 12px" paddingType="normal" sticky={false} type="main">
    <Text id="welcomeTitle" marginType="normal" value="### Welcome{{ current_user.firstName ? ', ' + current_user.firstName : '' }}" verticalAlign="center" />
    <Text id="welcomeBody" marginType="normal" value="Signed in as **{{ current_user.email }}**. Press Continue to set up your account." verticalAlign="center" />
    <Button id="continueButton" loading="{{ syncUser.isFetching }}" marginType="normal" text="Continue">
      <Event id="c0a1b2c3" event="click" method="trigger" params={{}} pluginId="syncUser" type="datasource" waitMs="0" waitType="debounce" />
    </Button>
    <Text id="syncError" hidden="{{ !syncUser.error }}" marginType="normal" value="Your account could not be set up: {{ syncUser.error }}. Try again, or send this message to your Retool admin." verticalAlign="center" />
  </Frame>
</App>
